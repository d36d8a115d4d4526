/**
 * How many SQL statements each per-call path sends, counted on a real
 * PostgreSQL by wrapping `pg.Client.prototype.query` around one warm call of
 * each kind (issue 10: "measure before and after"). Not a timing: a count,
 * repeatable on any machine.
 *
 *   DATABASE_URL=postgres://… npm run bench:statements
 *
 * Prints one line per path, then `event=<n> hold=<n> capture=<n> check=<n>
 * batch_1000=<n> mixed_1000_per_org=<n>`. `BENCH_SHOW=event` (or another
 * path's name) also prints the start of each statement of that path.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { eventId, seedOrg, startTestApp, type TestApp } from '../test/helpers/app.js';
import type { TestDatabase } from '../test/helpers/db.js';
import { openPostgres } from '../src/db/client.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('bench:statements counts statements on PostgreSQL: set DATABASE_URL.');
const MIXED_ORGS = 20;

let counting = false;
let showing = false;
let count = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (counting) count++;
  if (counting && showing) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text ?? '';
    console.log(`  ${text.replace(/\s+/g, ' ').trim().slice(0, 140)}`);
  }
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

async function counted(name: string, f: () => Promise<unknown>): Promise<number> {
  count = 0;
  counting = true;
  showing = process.env.BENCH_SHOW === name;
  try {
    await f();
  } finally {
    counting = false;
  }
  return count;
}

async function main() {
  const name = `tally_stmts_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const target = new URL(url!);
  target.pathname = `/${name}`;
  const database: TestDatabase = { name: 'postgres', open: () => openPostgres(target.toString(), 8) };
  let app: TestApp | undefined;
  try {
    app = await startTestApp(database, new Date().toISOString());
    const a = app;
    const ok = async (method: 'POST' | 'GET', path: string, body?: unknown) => {
      const res = await a.call(method, path, body);
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
      return res.body;
    };
    const orgs: string[] = [];
    for (let i = 0; i < MIXED_ORGS; i++) {
      const org = await seedOrg(a);
      await ok('POST', `/v1/orgs/${org}/grants`, { name: 'g', source: 'included', amount: '1000000' });
      orgs.push(org);
    }
    await a.call('PATCH', `/v1/orgs/${orgs[0]}/groups/grp_default`, { monthly_allocation: '100000000' });
    await ok('POST', `/v1/orgs/${orgs[0]}/members`, { id: 'mem_a', email: 'a@bench.test', name: 'Bench', role: 'member', monthly: null });
    const org = orgs[0]!;
    const now = () => a.clock.now().toISOString();
    const event = (o: string, user = 'mem_a') => ({ id: eventId(), org: o, meter: 'tokens', quantity: '1', timestamp: now(), user });
    const one = () => ok('POST', '/v1/events', { events: [event(org)] });
    const check = () => ok('POST', `/v1/orgs/${org}/check`, { amount: '1', member: 'mem_a' });
    // warm every path once (configuration cache, cycle, first-use setup)
    await one();
    await check();
    const warm = await ok('POST', `/v1/orgs/${org}/holds`, { amount: '2', member: 'mem_a' });
    await ok('POST', `/v1/orgs/${org}/holds/${warm.id}/capture`, { amount: '1' });
    await ok('POST', '/v1/events', { events: orgs.map((o) => event(o)) });

    const figures: Record<string, number> = {};
    figures.event = await counted('event', one);
    figures.check = await counted('check', check);
    let holdId = '';
    figures.hold = await counted('hold', async () => (holdId = (await ok('POST', `/v1/orgs/${org}/holds`, { amount: '2', member: 'mem_a' })).id));
    figures.capture = await counted('capture', () => ok('POST', `/v1/orgs/${org}/holds/${holdId}/capture`, { amount: '1' }));
    figures.batch_1000 = await counted('batch_1000', () => ok('POST', '/v1/events', { events: Array.from({ length: 1000 }, (_, i) => event(org, `mem_${i % 50}`)) }));
    const mixed = await counted('mixed_1000', () =>
      ok('POST', '/v1/events', { events: Array.from({ length: 1000 }, (_, i) => event(orgs[i % MIXED_ORGS]!, `mem_${i % 50}`)) }),
    );
    figures.mixed_1000 = mixed;
    for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(12)} ${v} statements`);
    console.log(
      `event=${figures.event} hold=${figures.hold} capture=${figures.capture} check=${figures.check} batch_1000=${figures.batch_1000} ` +
        `mixed_1000_per_org=${(mixed / MIXED_ORGS).toFixed(1)}`,
    );
  } finally {
    await app?.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

await main();
