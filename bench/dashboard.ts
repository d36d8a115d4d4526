/**
 * `npm run bench:dashboard [-- --events 10000000 --days 90 --requests 200 --db postgres://… --keep]`
 *
 * Loads one organization with N events' worth of data over D days on
 * PostgreSQL, then times the dashboard reads over HTTP (p50/p95): the usage
 * breakdown, the 30-day series, the current statement and the balance.
 *
 * How the data is made: one `insert … select … from generate_series` per
 * million events, entirely inside PostgreSQL (no rows cross the wire). Event g
 * gets a timestamp spread evenly over the D days, a meter (g mod 10), a user
 * ((g / 10) mod 50), one of two projects per user (12 in all), a resource
 * class for the two compute meters (3 classes) and a job (2,000 events per
 * job). Each pass writes what ingest would have written for those events: one `usage` ledger entry per event (block → consumed), and the
 * usage_daily, usage_hourly and job_daily rollups (upserted per chunk). The
 * raw `events` rows are not loaded (no dashboard read touches them) unless
 * --raw-events is given. Then ledger_daily is folded by the same code the app
 * uses (foldLedger) and the tables are analyzed.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { createApp } from '../src/app.js';
import { ManualClock } from '../src/clock.js';
import { openPostgres, rows } from '../src/db/client.js';
import { lockOrg } from '../src/modules/orgs/queries.js';
import { foldLedger } from '../src/modules/statements/queries.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '90' },
    requests: { type: 'string', default: '200' },
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    keep: { type: 'boolean', default: false },
    'raw-events': { type: 'boolean', default: false },
  },
});
const EVENTS = Number(args.events);
const DAYS = Number(args.days);
const REQUESTS = Number(args.requests);
const CHUNK = 1_000_000;
const ORG = 'org_bench_dashboard';
const ZONE = 'America/New_York';
const PLATFORM_KEY = 'tp_bench-dashboard-platform-key-000000';
const END = new Date('2026-03-30T16:00:00Z');
const START = new Date(END.getTime() - DAYS * 86_400_000);
const DB_NAME = 'tally_bench_dashboard';

const METERS: [string, string, string, 'sum' | 'count' | 'max', string, 'credits' | 'usd'][] = [
  ['chat_tokens', 'Chat tokens', 'agent_chat', 'sum', '0.001', 'credits'],
  ['chat_messages', 'Chat messages', 'agent_chat', 'count', '0.5', 'credits'],
  ['tool_runs', 'AI tool runs', 'ai_tools', 'count', '1', 'credits'],
  ['workflow_runs', 'Workflow runs', 'workflows', 'count', '2', 'credits'],
  ['browser_sessions', 'Browser sessions', 'browser', 'count', '3', 'credits'],
  ['gpu_hours', 'GPU hours', 'training', 'sum', '2', 'usd'],
  ['cpu_hours', 'CPU hours', 'training', 'sum', '0.1', 'usd'],
  ['storage_gb', 'Storage', 'storage', 'max', '0', 'credits'],
  ['sandbox_hours', 'Sandbox hours', 'background_ai', 'sum', '0.2', 'credits'],
  ['inference_tokens', 'Inference tokens', 'inference', 'sum', '0.0001', 'usd'],
];

const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function ensureDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: args.db });
  await admin.connect();
  const exists = (await admin.query('select 1 from pg_database where datname = $1', [DB_NAME])).rowCount === 1;
  if (!args.keep || !exists) {
    await admin.query(`drop database if exists ${DB_NAME} with (force)`);
    await admin.query(`create database ${DB_NAME}`);
  }
  await admin.end();
  const url = new URL(args.db!);
  url.pathname = `/${DB_NAME}`;
  return url.toString();
}

/** The synthetic events g in [from, to) as a SQL row source. */
const eventSource = (from: number, to: number) => sql`(
  select g,
    ${START.toISOString()}::timestamptz + (g::numeric * ${DAYS * 86_400_000_000}::numeric / ${EVENTS}::numeric)::bigint * interval '1 microsecond' as ts,
    (array[${sql.join(METERS.map((m) => sql`${m[0]}`), sql`, `)}])[(g % 10) + 1] as meter,
    'user-' || ((g / 10) % 50) as user_id,
    'project-' || ((((g / 10) % 50) + (g / 5000) % 2) % 12) as project,
    case when g % 10 in (5, 6) then (array['a100', 'h100', 'l4'])[((g / 7) % 3) + 1] else '' end as rc,
    'job-' || (g / 2000) as job_id,
    (1000000 + (g % 7) * 100000)::bigint as quantity,
    (1000 + (g % 997) * 13)::bigint as credits,
    ((1000 + (g % 997) * 13) / 1000)::bigint as usd
  from generate_series(${from}::bigint, ${to - 1}::bigint) g) ev`;

async function load(db: Awaited<ReturnType<typeof openPostgres>>, call: (m: string, u: string, b?: unknown) => Promise<unknown>, clock: ManualClock) {
  clock.set(new Date(START.getTime() - 86_400_000));
  await call('POST', '/v1/orgs', { id: ORG, name: 'Bench Co', timezone: ZONE, credit_factor: '1000' });
  for (const [key, name, category, aggregation, price, currency] of METERS) {
    await call('PUT', `/v1/orgs/${ORG}/meters/${key}`, { name, unit: key.split('_')[1], category, aggregation, unit_price: price, price_currency: currency });
  }
  await call('POST', `/v1/orgs/${ORG}/grants`, { name: 'Enterprise plan', source: 'included', amount: '1000000000' });
  for (let month = 1; month <= 3; month++) {
    await call('POST', `/v1/orgs/${ORG}/grants`, {
      name: `Top-up ${month}`, source: 'purchased', amount: '1000', starts_at: new Date(Date.UTC(2026, month - 1, 2)).toISOString(),
    });
  }
  const [block] = await db.read((q) =>
    rows<{ id: string; grantId: string }>(
      q,
      sql`select b.id, b.grant_id as "grantId" from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
          where b.org_id = ${ORG} and g.source = 'included'`,
    ),
  );
  const { id: blockId, grantId } = block!;
  const zone = sql.raw(`'${ZONE}'`);
  for (let from = 0; from < EVENTS; from += CHUNK) {
    const to = Math.min(EVENTS, from + CHUNK);
    const src = eventSource(from, to);
    await db.read(async (q) => {
      await q.execute(sql`insert into ledger_entries (org_id, type, amount, from_account, to_account, block_id, grant_id,
          occurred_at, recorded_at, event_id, actor)
        select ${ORG}, 'usage', credits, ${`block:${blockId}`}, 'consumed', ${blockId}, ${grantId}, ts, ts, 'ev' || g, 'bench'
        from ${src} order by g`);
      await q.execute(sql`insert into usage_daily (org_id, day, meter, user_id, project, resource_class, events, quantity, credits, usd)
        select ${ORG}, (ts at time zone ${zone})::date, meter, user_id, project, rc, count(*), sum(quantity), sum(credits), sum(usd)
        from ${src} group by 2, 3, 4, 5, 6
        on conflict (org_id, day, meter, user_id, project, resource_class) do update set events = usage_daily.events + excluded.events,
          quantity = usage_daily.quantity + excluded.quantity, credits = usage_daily.credits + excluded.credits, usd = usage_daily.usd + excluded.usd`);
      await q.execute(sql`insert into usage_hourly (org_id, hour, meter, events, quantity, max_quantity, credits, usd)
        select ${ORG}, date_trunc('hour', ts at time zone ${zone}) at time zone ${zone}, meter, count(*), sum(quantity), max(quantity), sum(credits), sum(usd)
        from ${src} group by 2, 3
        on conflict (org_id, hour, meter) do update set events = usage_hourly.events + excluded.events,
          quantity = usage_hourly.quantity + excluded.quantity, max_quantity = greatest(usage_hourly.max_quantity, excluded.max_quantity),
          credits = usage_hourly.credits + excluded.credits, usd = usage_hourly.usd + excluded.usd`);
      await q.execute(sql`insert into job_daily (org_id, day, job_id, name, project, user_id, resource_class, credits)
        select ${ORG}, (ts at time zone ${zone})::date, job_id, min('Training ' || job_id), min(project), min(user_id), min(rc), sum(credits)
        from ${src} group by 2, 3
        on conflict (org_id, day, job_id) do update set credits = job_daily.credits + excluded.credits`);
      if (args['raw-events']) {
        await q.execute(sql`insert into events (org_id, id, meter, quantity, timestamp, recorded_at, user_id, project, resource_class,
            job_id, job_name, cost_credits, cost_usd, overage)
          select ${ORG}, 'ev' || g, meter, quantity, ts, ts, user_id, project, nullif(rc, ''), job_id, 'Training ' || job_id, credits, usd, 0
          from ${src}`);
      }
    });
    log(`loaded ${to.toLocaleString('en')} / ${EVENTS.toLocaleString('en')} events`);
  }
  await db.read(async (q) => {
    await q.execute(sql`update blocks set remaining = amount - (select coalesce(sum(amount), 0) from ledger_entries
      where org_id = ${ORG} and block_id = ${blockId} and type = 'usage') where org_id = ${ORG} and id = ${blockId}`);
    await q.execute(sql`insert into accounts (org_id, account, balance)
      select ${ORG}, 'consumed', coalesce(sum(amount), 0) from ledger_entries where org_id = ${ORG} and to_account = 'consumed'
      on conflict (org_id, account) do update set balance = excluded.balance`);
  });
  log('folding the ledger by day (foldLedger)');
  await db.transaction(async (tx) => {
    await lockOrg(tx, ORG);
    await foldLedger(tx, ORG, ZONE);
  });
  await db.read((q) => q.execute(sql`analyze`));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const url = await ensureDatabase();
  const db = await openPostgres(url, 4);
  const clock = new ManualClock(END);
  const app = await createApp({ db, clock, platformKey: PLATFORM_KEY, log: pino({ level: 'warn' }) });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.server.inject({ method: method as 'GET', url: path, payload: body as object, headers: { authorization: `Bearer ${PLATFORM_KEY}` } });
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
    return res.json() as unknown;
  };
  const [{ n: loaded }] = (await db.read((q) =>
    rows<{ n: number }>(q, sql`select count(*)::int as n from ledger_entries where org_id = ${ORG} and type = 'usage'`),
  )) as [{ n: number }];
  if (loaded !== EVENTS) {
    const t = performance.now();
    await load(db, call, clock);
    log(`load took ${((performance.now() - t) / 1000).toFixed(0)} s`);
  } else {
    log(`reusing ${DB_NAME} with ${loaded.toLocaleString('en')} events`);
  }
  clock.set(END);

  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.server.address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  const reads: [string, string][] = [
    ['usage breakdown (current period, by category)', `/v1/orgs/${ORG}/usage/breakdown?period=current&by=category`],
    ['usage breakdown (current period, by project)', `/v1/orgs/${ORG}/usage/breakdown?period=current&by=project`],
    ['usage series (last 30 days, daily)', `/v1/orgs/${ORG}/usage/series`],
    ['statement (current period)', `/v1/orgs/${ORG}/statements/current`],
    ['statement (closed period, stored)', `/v1/orgs/${ORG}/statements/2026-02`],
    ['balance', `/v1/orgs/${ORG}/balance`],
    ['included credits', `/v1/orgs/${ORG}/usage/included`],
    ['plan usage', `/v1/orgs/${ORG}/plan/usage`],
  ];
  await app.scheduler.runOnce(); // close the ended periods so the stored statement exists
  const results: { read: string; p50: number; p95: number }[] = [];
  for (const [name, path] of reads) {
    const times: number[] = [];
    for (let i = 0; i < REQUESTS + 10; i++) {
      const t = performance.now();
      const res = await fetch(base + path, { headers: { authorization: `Bearer ${PLATFORM_KEY}` } });
      await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      if (i >= 10) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    results.push({ read: name, p50: percentile(times, 50), p95: percentile(times, 95) });
  }
  console.log(`\n${EVENTS.toLocaleString('en')} events over ${DAYS} days, ${REQUESTS} sequential requests per read (after 10 warm-up)\n`);
  console.log('| read | p50 ms | p95 ms |\n|---|---:|---:|');
  for (const r of results) console.log(`| ${r.read} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} |`);
  await app.close();
  await db.close();
}

await main();
