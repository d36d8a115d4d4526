/**
 * The ingest benchmark's driver: Tally started as a child process on the
 * chosen database, the organizations set up over HTTP, and the batches sent
 * from CLIENTS concurrent clients, each event counted once answered.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { backendPidsOf, runOn } from '../common.js';
import { rawCopyPglite, rawCopyPostgres } from './baseline.js';
import { CLIENTS, CREDIT_FACTOR, METERS, ORGS, orgId, TIMEOUT_S, ZONES, type Batch } from './workload.js';

const DATABASE_URL = process.env.DATABASE_URL;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PLATFORM_KEY = `tp_bench_${randomBytes(16).toString('hex')}`;
const started = Date.now();
const deadline = started + TIMEOUT_S * 1000;

export const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS + 2 });

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

export async function setUp(base: URL): Promise<void> {
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

export interface IngestStats {
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

export async function ingest(base: URL, batches: Batch[]): Promise<IngestStats> {
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

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Target {
  kind: 'postgres' | 'pglite';
  serverEnv: Record<string, string>;
  describe: string;
  raw(text: string, rows: number): Promise<{ seconds: number; method: string }>;
  /** PostgreSQL backend processes serving the scratch database (none for PGlite: it runs inside the server). */
  backendPids(): Promise<number[]>;
  /** ANALYZE of the scratch database, as autovacuum would run it (PostgreSQL only: PGlite's folder is the server's). */
  analyze?(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function prepareTarget(): Promise<Target> {
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
    backendPids: () => backendPidsOf(admin.toString(), name),
    analyze: () => runOn(scratch.toString(), 'analyze'),
    cleanup: async () => {
      await runOn(admin.toString(), `drop database if exists ${name} with (force)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}
