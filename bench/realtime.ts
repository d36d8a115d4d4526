/**
 * Real-time path benchmark (issue 10): `npm run bench:realtime`.
 *
 * Starts Tally as a child process on 127.0.0.1 (PostgreSQL when DATABASE_URL is
 * set: a fresh scratch database on that server, dropped at the end; else
 * embedded PGlite in a temporary folder). One organization, one meter, one
 * member. Then, with BENCH_CLIENTS (32) concurrent keep-alive node:http
 * clients, for BENCH_SECONDS (8) each, one phase after another:
 *
 *  1. `POST /v1/events` with one event per request (unique ids);
 *  2. `POST /v1/orgs/{org}/check`;
 *  3. `POST /v1/orgs/{org}/holds` then `POST …/holds/{id}/capture` (one cycle);
 *  4. the naive SQL ledger on the same PostgreSQL with as many connections:
 *     `BEGIN; SELECT balance … FOR UPDATE; UPDATE; INSERT; COMMIT` on one row.
 *
 * A call counts once its answer has arrived with the expected status. On an
 * embedded run the baseline needs a PostgreSQL: TALLY_BENCH_PG_URL, else it is
 * skipped (naive_ops_per_s=0). The last line is always
 * `hot_events_per_s=<n> naive_ops_per_s=<n> hot_ratio=<n> check_per_s=<n> check_p99_ms=<n> hold_cycles_per_s=<n>`,
 * followed by the CPU each call cost (server + database backends, µs; the naive ledger's is its backends'):
 * `event_cpu_us=<n> naive_cpu_us=<n> check_cpu_us=<n> hold_cycle_cpu_us=<n>`. CPU per call depends less
 * on what else the machine is doing than calls per second do, but not nothing: a slower run forms smaller
 * groups, and a group's fixed cost is then shared by fewer calls.
 * The machine's load average is printed with every phase: on a shared
 * machine the figures are only as quiet as the machine.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { backendPidsOf, cpuDuring, intEnv, memoryOf, runOn, startServer, stopServer, type Server } from './common.js';

const SECONDS = intEnv('BENCH_SECONDS', 8, 1, 600);
const CLIENTS = intEnv('BENCH_CLIENTS', 32, 1, 256);
const ANALYZE = process.env.BENCH_ANALYZE !== '0';
const DATABASE_URL = process.env.DATABASE_URL;
const BASELINE_URL = DATABASE_URL ?? process.env.TALLY_BENCH_PG_URL;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const PLATFORM_KEY = `tp_bench_${randomBytes(16).toString('hex')}`;
const ORG = 'rt-org';
const MEMBER = 'rt-member';

const log = (line: string) => process.stdout.write(`${line}\n`);
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// ------------------------------------------------------------------- HTTP

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS + 2 });

interface Answer {
  status: number;
  body: string;
}

function request(base: URL, method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
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
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function expect(base: URL, method: string, path: string, body: unknown, status: number): Promise<Answer> {
  const res = await request(base, method, path, body);
  if (res.status !== status) throw new Error(`${method} ${path} answered ${res.status}: ${res.body.slice(0, 300)}`);
  return res;
}

// ----------------------------------------------------------------- phases

interface PhaseResult {
  ops: number;
  seconds: number;
  latencies: number[];
  failures: string[];
}

/** Runs `op` in CLIENTS concurrent loops for SECONDS; `op` resolves when one operation completed. */
async function phase(op: (client: number, n: number) => Promise<void>, seconds = SECONDS): Promise<PhaseResult> {
  const r: PhaseResult = { ops: 0, seconds: 0, latencies: [], failures: [] };
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let n = 0; performance.now() < end; n++) {
        const sent = performance.now();
        try {
          await op(client, n);
          r.ops++;
          r.latencies.push(performance.now() - sent);
        } catch (error) {
          if (r.failures.length < 5) r.failures.push((error as Error).message);
          else r.failures.length++;
        }
      }
    }),
  );
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** CPU seconds a phase cost: Tally's server process and the database backends serving it. */
interface PhaseCpu {
  server: number;
  database: number;
}

/** Runs a phase, measuring the CPU of the server (if any) and of the scratch database's backends. */
async function measured(serverPid: number | undefined, db: ScratchDatabase | undefined, run: () => Promise<PhaseResult>): Promise<PhaseResult & { cpu: PhaseCpu }> {
  const pids = async () => [...(serverPid ? [serverPid] : []), ...(db ? await db.backends() : [])];
  const { result, cpu } = await cpuDuring(pids, run);
  let database = 0;
  for (const [pid, s] of cpu) if (pid !== serverPid) database += s;
  return { ...result, cpu: { server: serverPid ? (cpu.get(serverPid) ?? 0) : 0, database } };
}

/** Server + database CPU per call, in microseconds (load-independent, unlike calls per second). */
const cpuPerCall = (r: PhaseResult & { cpu: PhaseCpu }) => (r.ops > 0 ? ((r.cpu.server + r.cpu.database) * 1e6) / r.ops : NaN);

function report(name: string, r: PhaseResult & { cpu: PhaseCpu }): number {
  const rate = r.ops / r.seconds;
  const us = (s: number) => fmt(r.ops > 0 ? (s * 1e6) / r.ops : NaN);
  log(
    `${name}: ${fmt(r.ops)} in ${fmt(r.seconds, 2)} s → ${fmt(rate)}/s, p50 ${fmt(percentile(r.latencies, 50), 1)} ms, ` +
      `p99 ${fmt(percentile(r.latencies, 99), 1)} ms, failures ${r.failures.length}; load average ${load()}\n` +
      `  CPU per call: server ${us(r.cpu.server)} µs + database ${us(r.cpu.database)} µs = ${fmt(cpuPerCall(r))} µs`,
  );
  for (const f of r.failures.slice(0, 3)) process.stderr.write(`  failure: ${f}\n`);
  return rate;
}

// ------------------------------------------------------------- the server

/** A fresh scratch database on the server at `url`; returns its URL and a drop function. */
interface ScratchDatabase {
  url: string;
  /** process ids of the backends connected to it now */
  backends: () => Promise<number[]>;
  /** ANALYZE of the whole database, as autovacuum would run it */
  analyze: () => Promise<void>;
  drop: () => Promise<void>;
}

async function scratchDatabase(url: string): Promise<ScratchDatabase> {
  const admin = new URL(url);
  if (!LOOPBACK.has(admin.hostname)) throw new Error(`the PostgreSQL URL must point at a loopback address, not "${admin.hostname}".`);
  const name = `tally_rt_${randomBytes(5).toString('hex')}`;
  await runOn(url, `create database ${name}`);
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  return {
    url: scratch.toString(),
    backends: () => backendPidsOf(url, name),
    analyze: () => runOn(scratch.toString(), 'analyze'),
    drop: () => runOn(url, `drop database if exists ${name} with (force)`),
  };
}

/** Resident memory of a process now and at its peak (Linux /proc VmRSS, VmHWM), in MiB. */

// ------------------------------------------------------------ the baseline

/** The naive ledger: one balance row, an entry per operation, one transaction of three statements. */
async function naiveBaseline(db: ScratchDatabase): Promise<PhaseResult & { cpu: PhaseCpu }> {
  const url = db.url;
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`create table naive_accounts (id text primary key, balance bigint not null)`);
  await setup.query(`create table naive_entries (id bigserial primary key, account text not null, amount bigint not null,
    created_at timestamptz not null default now())`);
  await setup.query(`insert into naive_accounts values ('${ORG}', 1000000000000000)`);
  await setup.end();
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  try {
    return await measured(undefined, db, () => phase(async (client) => {
      const c = clients[client]!;
      await c.query('begin');
      try {
        const { rows } = await c.query<{ balance: string }>('select balance from naive_accounts where id = $1 for update', [ORG]);
        if (BigInt(rows[0]!.balance) < 1000n) throw new Error('insufficient');
        await c.query('update naive_accounts set balance = balance - $2 where id = $1', [ORG, 1000]);
        await c.query('insert into naive_entries (account, amount) values ($1, $2)', [ORG, 1000]);
        await c.query('commit');
      } catch (error) {
        await c.query('rollback');
        throw error;
      }
    }));
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

// ------------------------------------------------------------------ run it

async function main(): Promise<number> {
  const cpus = os.cpus();
  log(`Tally real-time benchmark — ${new Date().toISOString()}`);
  log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${load()}`);
  log(`workload: ${CLIENTS} concurrent keep-alive clients on one organization, ${SECONDS} s per phase`);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'tally-rt-'));
  const scratch = DATABASE_URL ? await scratchDatabase(DATABASE_URL) : undefined;
  const env: Record<string, string> = {
    TALLY_PLATFORM_KEY: PLATFORM_KEY,
    PORT: '0',
    HOST: '127.0.0.1',
    TALLY_DEMO: '0',
    TALLY_SCHEDULER: '0',
    TALLY_LOG_LEVEL: 'warn',
    TALLY_DATA_DIR: dataDir,
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
  };
  let server: Server | undefined;
  const problems: string[] = [];
  try {
    log(`database: ${scratch ? `PostgreSQL, scratch database (dropped at the end)` : `embedded PGlite in ${dataDir}`}`);
    server = await startServer(env);
    const base = server.base;
    log(`server: child process (pid ${server.child.pid}) at ${base.origin}`);
    await expect(base, 'PUT', '/v1/meters/tokens', { name: 'Tokens', unit: 'tokens', category: 'agent_chat', aggregation: 'sum', unit_price: '0.001', price_currency: 'credits' }, 200);
    await expect(base, 'POST', '/v1/orgs', { id: ORG, name: 'Real-time', timezone: 'UTC', credit_factor: '100' }, 201);
    await expect(base, 'POST', `/v1/orgs/${ORG}/grants`, { name: 'Plan', source: 'included', amount: '100000000' }, 201);
    await expect(base, 'PATCH', `/v1/orgs/${ORG}/groups/grp_default`, { monthly_allocation: '100000000' }, 200);
    await expect(base, 'POST', `/v1/orgs/${ORG}/members`, { id: MEMBER, email: 'rt@bench.test', name: 'Bench', role: 'member', monthly: null }, 201);

    const run = randomBytes(4).toString('hex');
    const pid = server.child.pid!;
    const event = (tag: string) => async (client: number, n: number) => {
      const ts = new Date().toISOString();
      const event = { id: `rt-${run}-${tag}-${client}-${n}`, org: ORG, meter: 'tokens', quantity: '100', timestamp: ts, user: MEMBER };
      const res = await request(base, 'POST', '/v1/events', { events: [event] });
      if (res.status !== 200 || !res.body.includes('"accepted":1')) throw new Error(`event: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    };
    const holdCycle = async () => {
      const h = await request(base, 'POST', `/v1/orgs/${ORG}/holds`, { member: MEMBER, amount: '1' });
      if (h.status !== 201) throw new Error(`hold: HTTP ${h.status} ${h.body.slice(0, 200)}`);
      const id = (JSON.parse(h.body) as { id: string }).id;
      const c = await request(base, 'POST', `/v1/orgs/${ORG}/holds/${id}/capture`, { amount: '0.5' });
      if (c.status !== 200) throw new Error(`capture: HTTP ${c.status} ${c.body.slice(0, 200)}`);
    };
    if (scratch && ANALYZE) {
      // A database in service has statistics: autovacuum analyzes a table within a minute of its first
      // writes. This run's database is seconds old, so without this its tables have none, and the planner
      // takes `org_id = …` to match 0.5% of a table, which makes every index led by org_id look as good as
      // the primary key for a lookup by id (docs/performance.md, part 10). One second of each call, then ANALYZE.
      const warm = [await phase(event('warm'), 1), await phase(holdCycle, 1)];
      await scratch.analyze();
      log(`warm-up: ${fmt(warm[0]!.ops)} events and ${fmt(warm[1]!.ops)} hold cycles, then ANALYZE (BENCH_ANALYZE=0 measures a database without statistics)`);
    }
    const events = await measured(pid, scratch, () => phase(event('hot')));
    const hotEvents = report('single-event ingest', events);

    const checks = await measured(pid, scratch, () => phase(async () => {
      const res = await request(base, 'POST', `/v1/orgs/${ORG}/check`, { member: MEMBER, amount: '1' });
      if (res.status !== 200 || !res.body.includes('"allowed":true')) throw new Error(`check: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    }));
    const checkRate = report('check', checks);

    const holds = await measured(pid, scratch, () => phase(holdCycle));
    const holdRate = report('hold create + capture (cycles)', holds);
    for (const r of [events, checks, holds]) if (r.failures.length > 0) problems.push(`${r.failures.length} failed calls: ${r.failures[0]}`);

    const mem = memoryOf(server.child.pid!);
    if (mem) log(`server memory (${scratch ? 'PostgreSQL runs apart' : 'PGlite included'}): peak RSS ${fmt(mem.peak)} MiB, now ${fmt(mem.rss)} MiB`);
    agent.destroy();
    await stopServer(server.child);
    server = undefined;

    let naiveRate = 0;
    let naiveCpu = NaN;
    if (BASELINE_URL) {
      const baselineDb = scratch ?? (await scratchDatabase(BASELINE_URL));
      try {
        const naive = await naiveBaseline(baselineDb);
        naiveRate = report(`naive SQL ledger (${CLIENTS} connections, SELECT … FOR UPDATE; UPDATE; INSERT)`, naive);
        naiveCpu = cpuPerCall(naive);
      } finally {
        if (!scratch) await baselineDb.drop();
      }
    } else {
      log('naive SQL ledger: skipped (an embedded run needs TALLY_BENCH_PG_URL for the PostgreSQL baseline)');
    }
    const ratio = naiveRate > 0 ? hotEvents / naiveRate : 0;
    for (const p of problems) process.stderr.write(`PROBLEM: ${p}\n`);
    log(
      `hot_events_per_s=${Math.round(hotEvents)} naive_ops_per_s=${Math.round(naiveRate)} hot_ratio=${ratio.toFixed(3)} ` +
        `check_per_s=${Math.round(checkRate)} check_p99_ms=${percentile(checks.latencies, 99).toFixed(1)} hold_cycles_per_s=${Math.round(holdRate)} ` +
        `event_cpu_us=${Math.round(cpuPerCall(events))} naive_cpu_us=${Math.round(naiveCpu)} check_cpu_us=${Math.round(cpuPerCall(checks))} ` +
        `hold_cycle_cpu_us=${Math.round(cpuPerCall(holds))}`,
    );
    return problems.length > 0 ? 1 : 0;
  } finally {
    if (server) await stopServer(server.child);
    if (scratch) await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
