/**
 * Ingest benchmark (issue 2, "Benchmark"): `npm run bench:ingest`.
 *
 * Starts Tally as a child process on 127.0.0.1 (PostgreSQL when DATABASE_URL is
 * set: a fresh scratch database is created on that server and dropped at the
 * end; else embedded PGlite in a temporary data folder), creates organizations,
 * grants and meters through the HTTP API, then ingests events over HTTP from
 * several concurrent clients. An event counts only once its response has
 * arrived. In the same run, after the server has stopped, the same rows are
 * loaded with COPY into a scratch table shaped like `events` for the raw rate.
 *
 * Knobs (environment): BENCH_EVENTS (200000), BENCH_ORGS (20), BENCH_BATCH
 * (1000), BENCH_CLIENTS (6), BENCH_DUPLICATES (0.05), BENCH_ORGS_PER_BATCH (1),
 * BENCH_TIMEOUT_S (300), BENCH_CPU_PROF (a folder: write a V8 CPU profile of
 * the server there). After the main workload, the same number of events is
 * ingested again (fresh ids) in batches of BENCH_MIXED_ORGS (20) organizations
 * each, on the same server (issue 10). The last line is always
 * `ingest_events_per_s=<n> raw_rows_per_s=<n> ingest_ratio=<n> mixed_ratio=<n>`
 * (mixed_ratio: mixed-batch events/s ÷ the main workload's events/s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { parseMicro } from '../src/domain/money.js';
import { rate, type MeterPrice } from '../src/domain/rating.js';
import { intEnv, memoryOf, stopServer } from './common.js';

// ---------------------------------------------------------------- settings

const TOTAL = intEnv('BENCH_EVENTS', 200_000, 1_000, 2_000_000);
const ORGS = intEnv('BENCH_ORGS', 20, 1, 1_000);
const BATCH = intEnv('BENCH_BATCH', 1_000, 1, 1_000);
const CLIENTS = intEnv('BENCH_CLIENTS', 6, 1, 64);
const ORGS_PER_BATCH = intEnv('BENCH_ORGS_PER_BATCH', 1, 1, ORGS);
const MIXED_ORGS = Math.min(intEnv('BENCH_MIXED_ORGS', 20, 1, 1_000), ORGS);
const TIMEOUT_S = intEnv('BENCH_TIMEOUT_S', 300, 10, 3_600);
const DUP_RATE = Number(process.env.BENCH_DUPLICATES ?? '0.05');
if (!(DUP_RATE >= 0 && DUP_RATE < 0.5)) throw new Error('BENCH_DUPLICATES must be a fraction from 0 to 0.5.');
const CPU_PROF = process.env.BENCH_CPU_PROF;
const DATABASE_URL = process.env.DATABASE_URL;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PLATFORM_KEY = `tp_bench_${randomBytes(16).toString('hex')}`;
const started = Date.now();
const deadline = started + TIMEOUT_S * 1000;

const log = (line: string) => process.stdout.write(`${line}\n`);

// ------------------------------------------------------------- the workload

/** A small seeded PRNG (mulberry32): the same workload on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METERS: Record<string, { body: Record<string, unknown>; price: MeterPrice }> = {
  tokens: {
    body: { name: 'Tokens', unit: 'tokens', category: 'agent_chat', aggregation: 'sum', unit_price: '0.001', price_currency: 'credits' },
    price: { aggregation: 'sum', unitPrice: parseMicro('0.001'), priceCurrency: 'credits', resourceClassPrices: {} },
  },
  gpu: {
    body: {
      name: 'GPU hours',
      unit: 'hours',
      category: 'training',
      aggregation: 'sum',
      unit_price: '2',
      price_currency: 'usd',
      resource_class_prices: { a100: '3.5', h100: '6' },
    },
    price: {
      aggregation: 'sum',
      unitPrice: parseMicro('2'),
      priceCurrency: 'usd',
      resourceClassPrices: { a100: parseMicro('3.5'), h100: parseMicro('6') },
    },
  },
  runs: {
    body: { name: 'Workflow runs', unit: 'runs', category: 'workflows', aggregation: 'count', unit_price: '0.25', price_currency: 'credits' },
    price: { aggregation: 'count', unitPrice: parseMicro('0.25'), priceCurrency: 'credits', resourceClassPrices: {} },
  },
};
const CREDIT_FACTOR = '100'; // credits per $1
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'];
const orgId = (i: number) => `bench-org-${String(i).padStart(3, '0')}`;

interface BenchEvent {
  id: string;
  org: string;
  meter: string;
  quantity: string;
  timestamp: string;
  user: string;
  project: string;
  resource_class?: string;
  job_id?: string;
  job_name?: string;
  properties?: Record<string, unknown>;
}

interface Batch {
  body: string;
  events: number;
}

/**
 * The batches, serialized before the clock starts. Batch b holds events of
 * ORGS_PER_BATCH organizations (consecutive, round robin). A share DUP_RATE of
 * each batch repeats events already sent for the same organizations (an
 * earlier batch when there is one, else earlier in the same batch), so exactly
 * that share is answered `duplicate`, whatever the order batches land in.
 */
function makeWorkload(now: number, orgsPerBatch = ORGS_PER_BATCH, seed = 20260310): { batches: Batch[]; unique: BenchEvent[] } {
  const rnd = prng(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const sentByOrg: BenchEvent[][] = Array.from({ length: ORGS }, () => []);
  const unique: BenchEvent[] = [];
  const batches: Batch[] = [];
  const batchCount = Math.ceil(TOTAL / BATCH);
  for (let b = 0; b < batchCount; b++) {
    const size = Math.min(BATCH, TOTAL - b * BATCH);
    const orgs = Array.from({ length: orgsPerBatch }, (_, j) => (b * orgsPerBatch + j) % ORGS);
    const dups = Math.round(size * DUP_RATE);
    const fresh: BenchEvent[] = [];
    for (let i = 0; i < size - dups; i++) {
      const org = orgs[i % orgs.length]!;
      const roll = rnd();
      const ts = new Date(now - Math.floor(rnd() * 3_600_000)).toISOString();
      const base = { id: `evt_${hex(24)}`, org: orgId(org), timestamp: ts, user: `user-${Math.floor(rnd() * 50)}`, project: `proj-${Math.floor(rnd() * 8)}` };
      let e: BenchEvent;
      if (roll < 0.7) {
        e = { ...base, meter: 'tokens', quantity: String(1 + Math.floor(rnd() * 5_000)) };
        if (rnd() < 0.1) e.properties = { model: pick(['small', 'medium', 'large']), cached: rnd() < 0.5 };
      } else if (roll < 0.8) {
        e = { ...base, meter: 'gpu', quantity: (0.01 + Math.floor(rnd() * 50) / 100).toFixed(2) };
        if (rnd() < 0.6) e.resource_class = pick(['a100', 'h100', 't4']);
      } else {
        const job = Math.floor(rnd() * 200);
        e = { ...base, meter: 'runs', quantity: '1', job_id: `job-${job}`, job_name: `Nightly job ${job}` };
      }
      fresh.push(e);
    }
    const repeats: BenchEvent[] = [];
    for (let i = 0; i < dups; i++) {
      const org = orgs[i % orgs.length]!;
      const earlier = sentByOrg[org]!;
      const pool = earlier.length > 0 ? earlier : fresh.filter((e) => e.org === orgId(org));
      repeats.push(pick(pool.length > 0 ? pool : fresh));
    }
    for (const e of fresh) sentByOrg[Number(e.org.slice(-3))]!.push(e);
    unique.push(...fresh);
    const events = [...fresh, ...repeats];
    batches.push({ body: JSON.stringify({ events }), events: events.length });
  }
  return { batches, unique };
}

// ------------------------------------------------------------------- HTTP

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS + 2 });

interface Answer {
  status: number;
  body: string;
}

function request(base: URL, method: string, path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: {
          authorization: `Bearer ${PLATFORM_KEY}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
        },
        timeout: Math.max(1, deadline - Date.now()),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out (the run is bounded to ${TIMEOUT_S} s)`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectOk(base: URL, method: string, path: string, body: unknown, status: number): Promise<void> {
  const res = await request(base, method, path, JSON.stringify(body));
  if (res.status !== status) throw new Error(`${method} ${path} answered ${res.status}: ${res.body}`);
}

async function setUp(base: URL): Promise<void> {
  for (const [key, m] of Object.entries(METERS)) await expectOk(base, 'PUT', `/v1/meters/${key}`, m.body, 200);
  for (let i = 0; i < ORGS; i++) {
    const id = orgId(i);
    await expectOk(base, 'POST', '/v1/orgs', { id, name: `Bench ${i}`, timezone: ZONES[i % ZONES.length], credit_factor: CREDIT_FACTOR }, 201);
    // org 0 gets too little credit on purpose: its usage runs into overage.
    await expectOk(base, 'POST', `/v1/orgs/${id}/grants`, { name: 'Plan', source: 'included', amount: i === 0 ? '1000' : '5000000' }, 201);
    await expectOk(base, 'POST', `/v1/orgs/${id}/grants`, { name: 'Top-up', source: 'purchased', amount: '250000', priority: 20 }, 201);
    // one organization in four has its own price for tokens
    if (i % 4 === 1) await expectOk(base, 'PUT', `/v1/orgs/${id}/meters/tokens`, { ...METERS.tokens!.body, unit_price: '0.0008' }, 200);
  }
}

interface IngestStats {
  counted: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  failedRequests: number;
  failures: string[];
  latenciesMs: number[];
  seconds: number;
  costs: Map<string, string>;
  aborted: boolean;
}

async function ingest(base: URL, batches: Batch[]): Promise<IngestStats> {
  const stats: IngestStats = {
    counted: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    failedRequests: 0,
    failures: [],
    latenciesMs: [],
    seconds: 0,
    costs: new Map(),
    aborted: false,
  };
  let next = 0;
  const t0 = performance.now();
  const client = async () => {
    while (next < batches.length) {
      if (Date.now() > deadline) {
        stats.aborted = true;
        return;
      }
      const batch = batches[next++]!;
      const sent = performance.now();
      let res: Answer;
      try {
        res = await request(base, 'POST', '/v1/events', batch.body);
      } catch (error) {
        stats.failedRequests++;
        stats.failures.push((error as Error).message);
        if (Date.now() > deadline) stats.aborted = true;
        continue;
      }
      stats.latenciesMs.push(performance.now() - sent);
      if (res.status !== 200) {
        stats.failedRequests++;
        stats.failures.push(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
        continue;
      }
      const answer = JSON.parse(res.body) as {
        accepted: number;
        duplicates: number;
        rejected: number;
        results: { id: string; status: string; cost_credits?: string }[];
      };
      stats.counted += batch.events;
      stats.accepted += answer.accepted;
      stats.duplicates += answer.duplicates;
      stats.rejected += answer.rejected;
      for (const r of answer.results) if (r.cost_credits !== undefined) stats.costs.set(r.id, r.cost_credits);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  stats.seconds = (performance.now() - t0) / 1000;
  return stats;
}

/** User + system CPU seconds a process has used so far (Linux /proc), or undefined. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return undefined;
  }
}

/** Resident memory of a process now and at its peak (Linux /proc VmRSS, VmHWM), in MiB. */

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

// ------------------------------------------------------------- the server

interface Server {
  child: ChildProcess;
  base: URL;
}

function startServer(env: Record<string, string>): Promise<Server> {
  const args = [
    ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []),
    '--import',
    'tsx',
    join(ROOT, 'src/main.ts'),
  ];
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start within 60 s:\n${out}${err}`)), 60_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        out = '';
        child.stdout!.removeAllListeners('data');
        child.stdout!.on('data', () => {}); // keep draining (warnings)
        child.stderr!.removeAllListeners('data');
        child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[server] ${c.toString()}`));
        resolve({ child, base: new URL(m[1]!) });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code}:\n${out}${err}`));
    });
  });
}

// ----------------------------------------------------- raw COPY of the rows

const COLUMNS = [
  'org_id',
  'id',
  'meter',
  'quantity',
  'timestamp',
  'recorded_at',
  'user_id',
  'project',
  'resource_class',
  'job_id',
  'job_name',
  'properties',
  'cost_credits',
  'cost_usd',
  'overage',
];

/** COPY text format: tab-separated, \N for null, backslash escapes. */
function copyField(v: string | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  return v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** The rows the ingest stored, rated with the server's own rating function (and checked against its answers). */
function rawRows(unique: BenchEvent[], costs: Map<string, string>, recordedAt: string): { text: string; mismatches: number } {
  let mismatches = 0;
  const lines: string[] = [];
  for (const e of unique) {
    const meter = METERS[e.meter]!;
    const org = Number(e.org.slice(-3));
    const price = e.meter === 'tokens' && org % 4 === 1 ? { ...meter.price, unitPrice: parseMicro('0.0008') } : meter.price;
    const cost = rate(price, parseMicro(e.quantity), e.resource_class ?? null, parseMicro(CREDIT_FACTOR));
    const answered = costs.get(e.id);
    if (answered === undefined || parseMicro(answered) !== cost.credits) mismatches++;
    lines.push(
      [
        e.org,
        e.id,
        e.meter,
        parseMicro(e.quantity).toString(),
        e.timestamp,
        recordedAt,
        e.user,
        e.project,
        e.resource_class,
        e.job_id,
        e.job_name,
        e.properties ? JSON.stringify(e.properties) : null,
        cost.credits.toString(),
        cost.usd?.toString() ?? null,
        '0',
      ]
        .map(copyField)
        .join('\t'),
    );
  }
  return { text: `${lines.join('\n')}\n`, mismatches };
}

const SCRATCH_TABLE = 'bench_raw_events';
const CREATE_SCRATCH = `create table ${SCRATCH_TABLE} (like events including all)`;
const COPY_SQL = (source: string) => `copy ${SCRATCH_TABLE} (${COLUMNS.join(', ')}) from ${source}`;

/**
 * COPY FROM STDIN over pg's own connection, without pg-copy-streams: a
 * minimal "submittable" that answers the server's CopyInResponse with the
 * data, then CopyDone.
 */
class CopyIn {
  callback?: unknown;
  private done!: (rows: number) => void;
  private fail!: (error: Error) => void;
  private rows = 0;
  readonly result = new Promise<number>((resolve, reject) => {
    this.done = resolve;
    this.fail = reject;
  });

  constructor(
    private readonly text: string,
    private readonly chunks: Buffer[],
  ) {}

  submit(connection: { query(text: string): void }): null {
    connection.query(this.text);
    return null;
  }

  handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }): void {
    for (const chunk of this.chunks) connection.sendCopyFromChunk(chunk);
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text?: string }): void {
    this.rows = Number(/(\d+)$/.exec(msg.text ?? '')?.[1] ?? 0);
  }

  handleReadyForQuery(): void {
    this.done(this.rows);
  }

  handleError(error: Error): void {
    this.fail(error);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

function chunked(text: string, size = 64 * 1024): Buffer[] {
  const all = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i += size) out.push(all.subarray(i, i + size));
  return out;
}

async function rawCopyPostgres(url: string, text: string, rows: number): Promise<{ seconds: number; method: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(CREATE_SCRATCH);
    const chunks = chunked(text);
    const t0 = performance.now();
    const copy = new CopyIn(COPY_SQL('stdin'), chunks);
    void client.query(copy as unknown as pg.QueryConfig);
    const copied = await copy.result;
    const seconds = (performance.now() - t0) / 1000;
    if (copied !== rows) throw new Error(`COPY stored ${copied} rows, expected ${rows}`);
    return { seconds, method: 'COPY … FROM STDIN over pg\'s connection (text format, 64 KiB CopyData messages, one statement; pg-copy-streams is not installed)' };
  } finally {
    await client.end();
  }
}

async function rawCopyPglite(dataDir: string, text: string, rows: number): Promise<{ seconds: number; method: string }> {
  const db = new PGlite(join(dataDir, 'pg'));
  try {
    await db.exec(CREATE_SCRATCH);
    const blob = new Blob([text]);
    const t0 = performance.now();
    const res = await db.query(COPY_SQL(`'/dev/blob'`), [], { blob });
    const seconds = (performance.now() - t0) / 1000;
    const [{ n } = { n: 0 }] = (await db.query<{ n: number }>(`select count(*)::int as n from ${SCRATCH_TABLE}`)).rows;
    if (n !== rows) throw new Error(`COPY stored ${n} rows, expected ${rows} (${JSON.stringify(res.affectedRows)})`);
    return { seconds, method: "PGlite COPY … FROM '/dev/blob' (text format, one statement, same data folder, in the benchmark process)" };
  } finally {
    await db.close();
  }
}

// ------------------------------------------------------------------ run it

interface Target {
  kind: 'postgres' | 'pglite';
  serverEnv: Record<string, string>;
  describe: string;
  raw(text: string, rows: number): Promise<{ seconds: number; method: string }>;
  /** PostgreSQL backend processes serving the scratch database (none for PGlite: it runs inside the server). */
  backendPids(): Promise<number[]>;
  cleanup(): Promise<void>;
}

async function prepareTarget(): Promise<Target> {
  const base = { TALLY_PLATFORM_KEY: PLATFORM_KEY, PORT: '0', HOST: '127.0.0.1', TALLY_DEMO: '0', TALLY_SCHEDULER: '0', TALLY_LOG_LEVEL: 'warn' };
  const dataDir = mkdtempSync(join(os.tmpdir(), 'tally-bench-'));
  if (!DATABASE_URL) {
    return {
      kind: 'pglite',
      serverEnv: { ...base, TALLY_DATA_DIR: dataDir },
      describe: `embedded PGlite ${packageVersion('@electric-sql/pglite')} in ${dataDir}`,
      raw: (text, rows) => rawCopyPglite(dataDir, text, rows),
      backendPids: async () => [],
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const admin = new URL(DATABASE_URL);
  if (!LOOPBACK.has(admin.hostname)) throw new Error(`DATABASE_URL must point at a loopback address, not "${admin.hostname}".`);
  const name = `tally_bench_${randomBytes(5).toString('hex')}`;
  const adminClient = new pg.Client({ connectionString: admin.toString() });
  await adminClient.connect();
  const version = (await adminClient.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
  await adminClient.query(`create database ${name}`);
  await adminClient.end();
  const scratch = new URL(admin.toString());
  scratch.pathname = `/${name}`;
  return {
    kind: 'postgres',
    serverEnv: { ...base, TALLY_DATA_DIR: dataDir, DATABASE_URL: scratch.toString() },
    describe: `PostgreSQL ${version} at ${admin.host}, scratch database ${name} (dropped at the end)`,
    raw: (text, rows) => rawCopyPostgres(scratch.toString(), text, rows),
    backendPids: async () => {
      const c = new pg.Client({ connectionString: admin.toString() });
      await c.connect();
      try {
        const found = await c.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
        return found.rows.map((r) => r.pid);
      } finally {
        await c.end();
      }
    },
    cleanup: async () => {
      const c = new pg.Client({ connectionString: admin.toString() });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<number> {
  const cpus = os.cpus();
  log(`Tally ingest benchmark — ${new Date().toISOString()}`);
  log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, Node ${process.version}`);
  log(
    `workload: ${fmt(TOTAL)} events, ${ORGS} organizations, batches of ${BATCH} (${ORGS_PER_BATCH} organization(s) per batch), ` +
      `${CLIENTS} concurrent clients, ${DUP_RATE * 100}% duplicates, bounded to ${TIMEOUT_S} s`,
  );
  const target = await prepareTarget();
  let server: Server | undefined;
  const onSignal = () => {
    void (async () => {
      if (server) await stopServer(server.child);
      await target.cleanup();
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const watchdog = setTimeout(() => {
    process.stderr.write(`aborting: the run exceeded ${TIMEOUT_S + 60} s\n`);
    onSignal();
  }, (TIMEOUT_S + 60) * 1000);
  watchdog.unref();
  try {
    log(`database: ${target.describe}`);
    server = await startServer(target.serverEnv);
    log(`server: child process (pid ${server.child.pid}) at ${server.base.origin}`);
    await setUp(server.base);
    log(`set up ${ORGS} organizations with 2 grants each and ${Object.keys(METERS).length} meters (${Math.ceil(ORGS / 4)} organization overrides)`);
    const { batches, unique } = makeWorkload(Date.now());
    const cpuBefore = new Map<number, number>();
    for (const pid of [server.child.pid!, ...(await target.backendPids())]) cpuBefore.set(pid, cpuSeconds(pid) ?? 0);
    const benchCpuBefore = process.cpuUsage();
    const ingestStats = await ingest(server.base, batches);
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const serverCpu = (cpuSeconds(server.child.pid!) ?? NaN) - cpuBefore.get(server.child.pid!)!;
    let dbCpu = 0;
    const backends = await target.backendPids();
    for (const pid of backends) dbCpu += (cpuSeconds(pid) ?? 0) - (cpuBefore.get(pid) ?? 0);
    const mem = memoryOf(server.child.pid!);
    // The mixed workload: as many events again, fresh ids, MIXED_ORGS organizations per batch.
    const mixed = makeWorkload(Date.now(), MIXED_ORGS, 20261201);
    const mixedStats = await ingest(server.base, mixed.batches);
    agent.destroy();
    await stopServer(server.child);
    server = undefined;

    const lat = [...ingestStats.latenciesMs].sort((a, b) => a - b);
    const eventsPerS = ingestStats.counted / ingestStats.seconds;
    log('');
    log(`ingest over HTTP: ${fmt(ingestStats.counted)} events answered in ${fmt(ingestStats.seconds, 2)} s → ${fmt(eventsPerS)} events/s`);
    log(`  ${batches.length} requests, latency p50 ${fmt(percentile(lat, 50), 1)} ms, p99 ${fmt(percentile(lat, 99), 1)} ms, max ${fmt(lat[lat.length - 1] ?? NaN, 1)} ms`);
    log(`  accepted ${fmt(ingestStats.accepted)}, duplicate ${fmt(ingestStats.duplicates)}, rejected ${fmt(ingestStats.rejected)}, failed requests ${ingestStats.failedRequests}`);
    log(
      `  CPU during the ingest: server ${fmt(serverCpu, 2)} s` +
        (target.kind === 'postgres' ? `, PostgreSQL backends (${backends.length}) ${fmt(dbCpu, 2)} s` : ' (PGlite included)') +
        `, benchmark clients ${fmt((benchCpu.user + benchCpu.system) / 1e6, 2)} s` +
        ` → ${fmt(ingestStats.counted / (serverCpu + dbCpu))} events per server+database CPU-second`,
    );

    if (mem) log(`  server memory (${target.kind === 'pglite' ? 'PGlite included' : 'PostgreSQL runs apart'}): peak RSS ${fmt(mem.peak)} MiB, at the end ${fmt(mem.rss)} MiB`);
    const problems: string[] = [...ingestStats.failures.slice(0, 5)];
    const expectedDuplicates = TOTAL - unique.length;
    if (ingestStats.aborted) problems.push(`the run hit its ${TIMEOUT_S} s bound before every batch was answered`);
    if (ingestStats.accepted !== unique.length || ingestStats.duplicates !== expectedDuplicates || ingestStats.rejected !== 0) {
      problems.push(`expected ${unique.length} accepted, ${expectedDuplicates} duplicate and 0 rejected`);
    }

    const mixedPerS = mixedStats.counted / mixedStats.seconds;
    const mixedLat = [...mixedStats.latenciesMs].sort((a, b) => a - b);
    log(`mixed batches (${MIXED_ORGS} organizations per batch): ${fmt(mixedStats.counted)} events in ${fmt(mixedStats.seconds, 2)} s → ${fmt(mixedPerS)} events/s`);
    log(`  ${mixed.batches.length} requests, latency p50 ${fmt(percentile(mixedLat, 50), 1)} ms, p99 ${fmt(percentile(mixedLat, 99), 1)} ms; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    if (mixedStats.aborted) problems.push(`the mixed run hit its ${TIMEOUT_S} s bound before every batch was answered`);
    const mixedDuplicates = TOTAL - mixed.unique.length;
    if (mixedStats.accepted !== mixed.unique.length || mixedStats.duplicates !== mixedDuplicates || mixedStats.rejected !== 0) {
      problems.push(`mixed: expected ${mixed.unique.length} accepted, ${mixedDuplicates} duplicate and 0 rejected`);
    }
    const mixedRatio = mixedPerS / eventsPerS;

    const { text, mismatches } = rawRows(unique, ingestStats.costs, new Date().toISOString());
    if (mismatches > 0) problems.push(`${mismatches} accepted events have a cost other than the rating function's`);
    const raw = await target.raw(text, unique.length);
    const rawPerS = unique.length / raw.seconds;
    log(`raw COPY of the same ${fmt(unique.length)} unique rows into ${SCRATCH_TABLE} (like events including all: same columns, primary key and index):`);
    log(`  ${fmt(raw.seconds, 2)} s → ${fmt(rawPerS)} rows/s; method: ${raw.method}`);
    const ratio = eventsPerS / rawPerS;
    log(`ingest ratio (ingest events/s ÷ raw rows/s): ${ratio.toFixed(3)}`);
    for (const p of problems) process.stderr.write(`PROBLEM: ${p}\n`);
    log(`ingest_events_per_s=${Math.round(eventsPerS)} raw_rows_per_s=${Math.round(rawPerS)} ingest_ratio=${ratio.toFixed(3)} mixed_ratio=${mixedRatio.toFixed(3)}`);
    return problems.length > 0 ? 1 : 0;
  } finally {
    clearTimeout(watchdog);
    if (server) await stopServer(server.child);
    await target.cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
