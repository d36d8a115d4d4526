/**
 * Embedded server memory (issue 10, "Embedded database memory"): `npm run bench:memory`.
 *
 * Starts the embedded server (no DATABASE_URL, a fresh temporary data folder, the demo on, the
 * scheduler off) as a child process on 127.0.0.1 and reads its resident memory from
 * /proc/<pid>/status (VmRSS now, VmHWM the peak):
 *
 *  1. first start: the data folder created and the demo seeded (in a child process of the server:
 *     its peak is reported apart); the resident memory after BENCH_SETTLE_S (8) idle seconds once
 *     the server prints its address, and the server's peak until then;
 *  2. ingest: BENCH_BATCHES (20) batches of BENCH_BATCH (1000) events into an organization of its
 *     own, from 4 keep-alive clients; the peak of this phase alone (VmHWM is reset first through
 *     /proc/<pid>/clear_refs);
 *  3. restart on the same folder: the resident memory after BENCH_SETTLE_S idle seconds.
 *
 * The same is measured for the server run from the bundle `npm start` runs (dist/main.js) and,
 * as the baseline, for src/main.ts run through tsx as before. The last line is always
 * `first_peak_mib=<n> seed_child_peak_mib=<n> first_idle_mib=<n> ingest_peak_mib=<n> restart_idle_mib=<n>`
 * for the bundle, followed by the same five figures of the tsx baseline prefixed `tsx_`. The run stops after
 * BENCH_TIMEOUT_S (300) seconds whatever happens; the two demo seeds take most of it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { descendantsOf, intEnv, memoryOf, startServer, stopServer, type Server, type ServerMode } from './common.js';

const SETTLE_S = intEnv('BENCH_SETTLE_S', 8, 1, 120);
const BATCHES = intEnv('BENCH_BATCHES', 20, 1, 1_000);
const BATCH = intEnv('BENCH_BATCH', 1_000, 1, 1_000);
const TIMEOUT_S = intEnv('BENCH_TIMEOUT_S', 300, 30, 3_600);
const CLIENTS = 4;
const PLATFORM_KEY = `tp_bench_${randomBytes(16).toString('hex')}`;
const ORG = 'mem-org';

const log = (line: string) => process.stdout.write(`${line}\n`);
const mib = (n: number) => Math.round(n);

/** How to stop the server a measurement is running, for the watchdog. */
const running = new Set<() => Promise<void>>();

interface Figures {
  firstPeak: number;
  /** the peak of the first start's seeding child (0 when the server seeded in its own process) */
  seedPeak: number;
  firstIdle: number;
  ingestPeak: number;
  restartIdle: number;
}

function memory(server: Server): { rss: number; peak: number } {
  const m = memoryOf(server.child.pid!);
  if (!m) throw new Error(`cannot read /proc/${server.child.pid}/status (the benchmark needs Linux)`);
  return m;
}

/** Resident memory after `seconds` with nothing to do, the lowest of the last samples (a GC may run late). */
async function idle(server: Server, seconds: number): Promise<number> {
  const samples: number[] = [];
  for (let t = 0; t < seconds * 4; t++) {
    await sleep(250);
    samples.push(memory(server).rss);
  }
  return Math.min(...samples.slice(-4));
}

/**
 * The highest peak (VmHWM) of the demo's seeding child (src/demo/first-start.ts, run with SEED_DEMO_ARG) while
 * the first start runs, sampled every 250 ms (VmHWM only grows, so a sample misses at most the child's last
 * 250 ms). Stop it to read it.
 */
function watchSeedPeak(): () => number {
  let peak = 0;
  const sample = () => {
    for (const pid of descendantsOf(process.pid, '--seed-demo')) peak = Math.max(peak, memoryOf(pid)?.peak ?? 0);
  };
  const timer = setInterval(sample, 250);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

async function call(base: URL, method: string, path: string, body: unknown, status: number): Promise<void> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== status) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
}

async function ingest(base: URL): Promise<void> {
  await call(base, 'PUT', '/v1/meters/mem_tokens', { name: 'Tokens', unit: 'tokens', category: 'agent_chat', aggregation: 'sum', unit_price: '0.001', price_currency: 'credits' }, 200);
  await call(base, 'POST', '/v1/orgs', { id: ORG, name: 'Memory', timezone: 'UTC', credit_factor: '100' }, 201);
  await call(base, 'POST', `/v1/orgs/${ORG}/grants`, { name: 'Plan', source: 'included', amount: '100000000' }, 201);
  const run = randomBytes(4).toString('hex');
  const now = Date.now();
  let next = 0;
  const client = async () => {
    while (next < BATCHES) {
      const b = next++;
      const events = Array.from({ length: BATCH }, (_, i) => ({
        id: `mem-${run}-${b}-${i}`,
        org: ORG,
        meter: 'mem_tokens',
        quantity: String(1 + ((b * BATCH + i) % 997)),
        timestamp: new Date(now - ((b * BATCH + i) % 86_400) * 1000).toISOString(),
        user: `user-${i % 17}`,
        project: `project-${i % 5}`,
      }));
      await call(base, 'POST', '/v1/events', { events }, 200);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
}

async function measure(mode: ServerMode): Promise<Figures> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'tally-mem-'));
  const env = { TALLY_PLATFORM_KEY: PLATFORM_KEY, PORT: '0', HOST: '127.0.0.1', TALLY_DEMO: '1', TALLY_SCHEDULER: '0', TALLY_LOG_LEVEL: 'warn', TALLY_DATA_DIR: dataDir };
  let server: Server | undefined;
  const stop = () => (server ? stopServer(server.child) : Promise.resolve());
  running.add(stop);
  try {
    const started = performance.now();
    const seedPeakSoFar = watchSeedPeak();
    server = await startServer(env, { mode });
    const seedPeak = seedPeakSoFar();
    const startSeconds = (performance.now() - started) / 1000;
    const firstIdle = await idle(server, SETTLE_S);
    const firstPeak = memory(server).peak;
    const child = seedPeak ? `; the seeding child's peak ${mib(seedPeak)} MiB` : '';
    log(`${mode}: first start (demo seeded in ${startSeconds.toFixed(1)} s): peak ${mib(firstPeak)} MiB, idle ${mib(firstIdle)} MiB after ${SETTLE_S} s${child}`);

    // Writing 5 to clear_refs resets VmHWM to the current RSS, so the next peak is this phase's own.
    writeFileSync(`/proc/${server.child.pid}/clear_refs`, '5');
    const t0 = performance.now();
    await ingest(server.base);
    const ingestPeak = memory(server).peak;
    log(`${mode}: ingest of ${BATCHES} × ${BATCH} events in ${((performance.now() - t0) / 1000).toFixed(1)} s: peak ${mib(ingestPeak)} MiB`);
    await stopServer(server.child);

    const restarted = performance.now();
    server = await startServer(env, { mode });
    log(`${mode}: restarted in ${((performance.now() - restarted) / 1000).toFixed(1)} s`);
    const restartIdle = await idle(server, SETTLE_S);
    log(`${mode}: restart on the same folder: peak ${mib(memory(server).peak)} MiB, idle ${mib(restartIdle)} MiB after ${SETTLE_S} s`);
    return { firstPeak, seedPeak, firstIdle, ingestPeak, restartIdle };
  } finally {
    running.delete(stop);
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const line = (f: Figures, prefix = '') =>
  `${prefix}first_peak_mib=${mib(f.firstPeak)} ${prefix}seed_child_peak_mib=${mib(f.seedPeak)} ${prefix}first_idle_mib=${mib(f.firstIdle)} ${prefix}ingest_peak_mib=${mib(f.ingestPeak)} ${prefix}restart_idle_mib=${mib(f.restartIdle)}`;

async function main(): Promise<void> {
  const cpus = os.cpus();
  log(`Tally embedded memory — ${new Date().toISOString()}`);
  log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const watchdog = setTimeout(() => {
    process.stderr.write(`aborting: the run exceeded ${TIMEOUT_S} s\n`);
    void Promise.all([...running].map((stop) => stop())).then(() => process.exit(1));
  }, TIMEOUT_S * 1000);
  watchdog.unref();
  const bundle = await measure('bundle');
  const tsx = await measure('tsx');
  log(`${line(bundle)} ${line(tsx, 'tsx_')}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
