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
 * each, on the same server (issue 10). Both phases print the server's and the
 * database backends' CPU and the events per server+database CPU-second. The last line is always
 * `ingest_events_per_s=<n> raw_rows_per_s=<n> ingest_ratio=<n> mixed_ratio=<n>`
 * (mixed_ratio: mixed-batch events/s ÷ the main workload's events/s). On
 * PostgreSQL ten batches of another workload and an ANALYZE come first, so the
 * planner has statistics as in a database in service (BENCH_ANALYZE=0: none).
 */
import os from 'node:os';
import { cpuSeconds, memoryOf, startServer, stopServer, type Server } from './common.js';
import { rawRows, SCRATCH_TABLE } from './ingest/baseline.js';
import { agent, ingest, percentile, prepareTarget, setUp } from './ingest/driver.js';
import { BATCH, CLIENTS, DUP_RATE, makeWorkload, METERS, MIXED_ORGS, ORGS, ORGS_PER_BATCH, TIMEOUT_S, TOTAL } from './ingest/workload.js';

const log = (line: string) => process.stdout.write(`${line}\n`);

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
    if (target.analyze && process.env.BENCH_ANALYZE !== '0') {
      // A database in service has statistics (autovacuum analyzes within a minute of the first writes); this one
      // is seconds old. Without them the planner may read an organization's whole ledger where it should read a
      // range (docs/performance.md, real-time part 10). Ten batches of another workload, then ANALYZE.
      const warm = await ingest(server.base, makeWorkload(Date.now(), ORGS_PER_BATCH, 7).batches.slice(0, 10));
      await target.analyze();
      log(`warm-up: ${fmt(warm.counted)} events of another workload, then ANALYZE (BENCH_ANALYZE=0 measures a database without statistics)`);
    }
    const { batches, unique } = makeWorkload(Date.now());
    const serverPid = server.child.pid!;
    /** The server's and the database backends' CPU seconds (and the backends counted) while `run` ran. */
    const cpuOf = async <T>(run: () => Promise<T>) => {
      const before = new Map<number, number>();
      for (const pid of [serverPid, ...(await target.backendPids())]) before.set(pid, cpuSeconds(pid) ?? 0);
      const result = await run();
      const backends = await target.backendPids();
      let db = 0;
      for (const pid of backends) db += (cpuSeconds(pid) ?? 0) - (before.get(pid) ?? 0);
      return { result, server: (cpuSeconds(serverPid) ?? NaN) - before.get(serverPid)!, db, backends: backends.length };
    };
    const benchCpuBefore = process.cpuUsage();
    const { result: ingestStats, server: serverCpu, db: dbCpu, backends } = await cpuOf(() => ingest(server!.base, batches));
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const mem = memoryOf(serverPid);
    // The mixed workload: as many events again, fresh ids, MIXED_ORGS organizations per batch.
    const mixed = makeWorkload(Date.now(), MIXED_ORGS, 20261201);
    const { result: mixedStats, ...mixedCpu } = await cpuOf(() => ingest(server!.base, mixed.batches));
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
        (target.kind === 'postgres' ? `, PostgreSQL backends (${backends}) ${fmt(dbCpu, 2)} s` : ' (PGlite included)') +
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
    log(
      `  CPU during the mixed batches: server ${fmt(mixedCpu.server, 2)} s` +
        (target.kind === 'postgres' ? `, PostgreSQL backends (${mixedCpu.backends}) ${fmt(mixedCpu.db, 2)} s` : ' (PGlite included)') +
        ` → ${fmt(mixedStats.counted / (mixedCpu.server + mixedCpu.db))} events per server+database CPU-second`,
    );
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
