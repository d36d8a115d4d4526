import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { grant, ingest } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

/**
 * A steady synthetic burn: 10 credits a day for ten days from a 300-credit
 * grant. The forecast must start from the balance the ledger shows and name
 * the day the credit runs out.
 */
describe.each(testDatabases)('forecast endpoint on $name', (target) => {
  let app: TestApp;
  let org: string;
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-01T00:00:00Z');
    org = await seedOrg(app);
    await grant(app, org, { amount: '300' });
    await app.call('PATCH', `/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '1000' });
    for (const [id, role] of [['ann', 'member'], ['bob', 'member'], ['max', 'manager']] as const) {
      const res = await app.call('POST', `/v1/orgs/${org}/members`, { id, email: `${id}@a.test`, name: id, role, ...(id === 'ann' ? { monthly: '150' } : {}) });
      expect(res.status).toBe(201);
      keys[id] = (await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: id, role, member: id })).body.secret;
    }
    for (let d = 1; d <= 10; d++) {
      const day = String(d).padStart(2, '0');
      app.clock.set(`2026-03-${day}T12:00:00Z`);
      await ingest(app, org, [{ quantity: '10', at: `2026-03-${day}T11:00:00Z`, user: 'ann' }]);
    }
    app.clock.set('2026-03-11T00:00:00Z');
  }, 600_000); // ten days walked one by one on a machine shared by parallel test runs
  afterAll(() => app.close());

  it('predicts the run-out date of a steady burn to the day, from the balance the ledger shows', async () => {
    const res = await app.call('GET', `/v1/orgs/${org}/forecast`);
    expect(res.status).toBe(200);
    const balance = await app.call('GET', `/v1/orgs/${org}/balance`);
    expect(res.body.starting_balance).toBe(balance.body.available);
    expect(res.body.starting_balance).toBe('200');
    expect(res.body.burn_rate.last_7_days).toEqual({ per_day: '10', days: 7 });
    expect(res.body.burn_rate.last_30_days).toEqual({ per_day: '10', days: 10 });
    // 200 credits pay Mar 11..Mar 30; Mar 31 cannot be paid.
    expect(res.body.run_out_date).toBe('2026-03-31');
    expect(res.body.days[0]).toMatchObject({ date: '2026-03-11', usage: '10', balance: '190' });
    expect(res.body.days).toHaveLength(91);
    expect(res.body.period).toEqual({ key: '2026-03', used: '100', projected_rest: '210', projected_total: '310' });
    expect(res.body.early_renewal).toEqual({
      renewal_date: '2026-04-01',
      shortfall: '10',
      message: "At the last 10 days' pace you need about 10 more credits before 2026-04-01.",
    });
  });

  it("forecasts a member's allocation for the cycle, and the member may see their own", async () => {
    const res = await app.call('GET', `/v1/orgs/${org}/forecast?scope=member:ann&horizon_days=30`, undefined, { authorization: `Bearer ${keys.ann}` });
    expect(res.status).toBe(200);
    expect(res.body.starting_balance).toBe('50');
    expect(res.body.run_out_date).toBe('2026-03-16');
    expect(res.body.cycle).toMatchObject({ used: '100', projected_rest: '210', projected_total: '310' });
    expect(res.body.early_renewal).toMatchObject({ renewal_date: '2026-04-01', shortfall: '160' });
    expect(res.body.days.find((d: { date: string }) => d.date === '2026-04-01').balance).toBe('140');
  });

  it('keeps each role to its reach', async () => {
    const as = (who: string, scope: string) => app.call('GET', `/v1/orgs/${org}/forecast?scope=${scope}`, undefined, { authorization: `Bearer ${keys[who]}` });
    expect((await as('ann', 'org')).status).toBe(403);
    expect((await as('ann', 'member:bob')).body.error.code).toBe('member_not_found');
    expect((await as('max', 'group:grp_default')).status).toBe(403); // manages no group
    expect((await as('max', 'member:max')).status).toBe(200);
    const bad = await app.call('GET', `/v1/orgs/${org}/forecast?scope=team`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect((await app.call('GET', `/v1/orgs/${org}/forecast?horizon_days=0`)).status).toBe(400);
    expect((await app.call('GET', `/v1/orgs/${org}/forecast?scope=group:nope`)).body.error.code).toBe('group_not_found');
  });
});
