import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { Scheduler } from '../src/jobs/scheduler.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { grant, ingest } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

const count = async (app: TestApp, query: ReturnType<typeof sql>) =>
  Number((await app.db.read((q) => rows<{ n: bigint }>(q, query)))[0]!.n);

describe.each(testDatabases)('scheduler on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-01-10T12:00:00Z');
  });
  afterAll(() => app.close());

  it('two instances racing over the same due work do each transition exactly once', async () => {
    const orgs: string[] = [];
    for (const timezone of ['UTC', 'Europe/Paris', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney']) {
      const org = await seedOrg(app, { timezone });
      await grant(app, org, { amount: '100', expires_at: '2026-02-15T00:00:00Z' });
      await grant(app, org, { amount: '40', source: 'purchased', expires_at: '2026-03-20T00:00:00Z' });
      await ingest(app, org, [{ quantity: '7', at: '2026-01-10T11:00:00Z', job_id: 'j' }]);
      orgs.push(org);
    }
    const a = new Scheduler(app.ctx);
    const b = new Scheduler(app.ctx);
    const done = { 'period-close': 0, 'block-expiry': 0 };
    // Three rounds: the clock jumps months ahead (a missed run catches up), then both instances race.
    for (const at of ['2026-02-20T12:00:00Z', '2026-04-02T12:00:00Z', '2026-04-02T12:00:01Z']) {
      app.clock.set(at);
      const results = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);
      for (const r of results) {
        done['period-close'] += r['period-close']!;
        done['block-expiry'] += r['block-expiry']!;
      }
    }
    // Jan, Feb and Mar closed for every organization, each exactly once.
    expect(done['period-close']).toBe(orgs.length * 3);
    expect(await count(app, sql`select count(*) as n from job_runs where job = 'period-close'`)).toBe(orgs.length * 3);
    expect(await count(app, sql`select count(*) as n from statements`)).toBe(orgs.length * 3);
    expect(await count(app, sql`select count(*) as n from invoices where status = 'issued'`)).toBe(orgs.length * 3);
    // Every block expired once: one expiry entry per block, never two.
    expect(done['block-expiry']).toBe(orgs.length * 2);
    expect(await count(app, sql`select count(*) as n from ledger_entries where type = 'expiry'`)).toBe(orgs.length * 2);
    expect(await count(app, sql`select count(*) as n from (select block_id from ledger_entries where type = 'expiry'
      group by block_id having count(*) > 1) x`)).toBe(0);
    // Both instances took part in the work recorded.
    const instances = await app.db.read((q) => rows<{ instance: string }>(q, sql`select distinct instance from job_runs`));
    expect(instances.length).toBeGreaterThanOrEqual(1);
    for (const org of orgs) {
      const mar = await app.call('GET', `/v1/orgs/${org}/statements/2026-03`);
      // usage drew on the included grant (it expires first); the purchased 40 expire in March
      expect(mar.body.summary).toMatchObject({ brought_forward: '40', expired: '40', closing: '0' });
    }
  }, 120_000);
});

describe.each(testDatabases)('block start on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-06-10T12:00:00Z');
  });
  afterAll(() => app.close());

  it('repays overage once when a future block starts, whichever instance gets there', async () => {
    const org = await seedOrg(app);
    await ingest(app, org, [{ quantity: '30', at: '2026-06-10T11:00:00Z' }]); // no credit: all overage
    await grant(app, org, { amount: '100', starts_at: '2026-06-12T00:00:00Z' });
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body).toMatchObject({ overage: '30', pending: '100' });
    app.clock.set('2026-06-12T00:00:01Z');
    const a = new Scheduler(app.ctx);
    const b = new Scheduler(app.ctx);
    const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect(ra['block-start']! + rb['block-start']!).toBe(1);
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body).toMatchObject({ overage: '0', available: '70' });
    expect(await count(app, sql`select count(*) as n from ledger_entries where org_id = ${org} and ref = 'overage_repayment'`)).toBe(1);
    expect((await a.runOnce())['block-start']).toBe(0);
  });
});
