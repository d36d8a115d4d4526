import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceNow } from '../src/modules/balance/service.js';
import { lockOrg } from '../src/modules/orgs/queries.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { grant, ingest } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

const GAUGE = { unit_price: '0', price_currency: 'credits' } as const;

describe.each(testDatabases)('plan limits on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-09-10T12:00:00Z');
  });
  afterAll(() => app.close());

  /** Runs the registered admission hooks the way `check`/`hold` will, inside a transaction holding the org lock. */
  const admit = (org: string, amount: bigint) =>
    app.db.transaction(async (tx) => {
      const o = await lockOrg(tx, org);
      const { held } = (await balanceNow(tx, org, app.clock.now())).summary;
      for (const hook of app.ctx.hooks.admission) {
        const refusal = await hook({ tx, org: o, now: app.clock.now(), memberId: null, amount, held });
        if (refusal) return refusal;
      }
      return null;
    });

  it('stores a plan and reports usage against its limits and allowances', async () => {
    const org = await seedOrg(app);
    await app.call('PUT', `/v1/orgs/${org}/meters/storage_gb`, { name: 'Storage', unit: 'GB', category: 'storage', aggregation: 'max', ...GAUGE });
    await app.call('PUT', `/v1/orgs/${org}/meters/deployments`, { name: 'Deployments', unit: 'deployments', category: 'infra', aggregation: 'latest', ...GAUGE });
    await app.call('PUT', `/v1/orgs/${org}/meters/sandbox_hours`, { name: 'Sandbox', unit: 'hours', category: 'background_ai', aggregation: 'sum', ...GAUGE });
    const put = await app.call('PUT', `/v1/orgs/${org}/plan`, {
      name: 'Team',
      limits: { credits_per_period: '500', storage_gb: 100, deployments: 5, seats: 'unlimited' },
      allowances: { background_ai: '10', sandbox_hours: 20 },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'Team', limits: { credits_per_period: '500', storage_gb: '100', deployments: '5', seats: 'unlimited' } });
    await grant(app, org, { amount: '1000' });
    await ingest(app, org, [
      { quantity: '120', at: '2026-09-10T10:00:00Z' },
      { meter: 'storage_gb', quantity: '30', at: '2026-09-10T09:00:00Z' },
      { meter: 'storage_gb', quantity: '42.5', at: '2026-09-10T11:00:00Z' },
      { meter: 'deployments', quantity: '3', at: '2026-09-10T11:30:00Z' },
      { meter: 'sandbox_hours', quantity: '4', at: '2026-09-10T11:00:00Z' },
    ]);
    const usage = await app.call('GET', `/v1/orgs/${org}/plan/usage`);
    expect(usage.status).toBe(200);
    expect(usage.body.plan).toBe('Team');
    expect(usage.body.data).toEqual([
      { key: 'credits', label: 'Credits', used: '120', limit: '500', remaining: '380', unlimited: false, unit: 'credits', pct: 24 },
      { key: 'storage', label: 'Storage', used: '42.5', limit: '100', remaining: '57.5', unlimited: false, unit: 'GB', pct: 42.5 },
      { key: 'deployments', label: 'Deployments', used: '3', limit: '5', remaining: '2', unlimited: false, unit: 'deployments', pct: 60 },
      { key: 'seats', label: 'Member seats', used: '0', limit: null, remaining: null, unlimited: true, unit: 'seats', pct: null },
      { key: 'background_ai', label: 'Background AI', used: '4', limit: '10', remaining: '6', unlimited: false, unit: 'hours', pct: 40 },
      { key: 'sandbox_hours', label: 'Sandbox hours', used: '4', limit: '20', remaining: '16', unlimited: false, unit: 'hours', pct: 20 },
    ]);
  });

  it('refuses at admission what the credits_per_period limit forbids, naming it', async () => {
    const org = await seedOrg(app);
    await grant(app, org, { amount: '1000' });
    expect(await admit(org, 900_000_000n)).toBeNull(); // no plan: no plan limit
    await app.call('PUT', `/v1/orgs/${org}/plan`, { name: 'Starter', limits: { credits_per_period: 200 } });
    await ingest(app, org, [{ quantity: '150', at: '2026-09-10T10:00:00Z' }]);
    expect(await admit(org, 50_000_000n)).toBeNull();
    const refusal = await admit(org, 50_000_001n);
    expect(refusal).toMatchObject({ limit: 'plan', remaining: 50_000_000n });
    expect(refusal!.message).toContain('credits_per_period');
    // a new period resets the counter
    app.clock.set('2026-10-01T00:00:01Z');
    expect(await admit(org, 200_000_000n)).toBeNull();
    await app.call('PUT', `/v1/orgs/${org}/plan`, { name: 'Enterprise', limits: { credits_per_period: 'unlimited' } });
    expect(await admit(org, 10n ** 15n)).toBeNull();
    app.clock.set('2026-09-10T12:00:00Z');
  });

  it('counts seats as the organization’s members', async () => {
    const org = await seedOrg(app);
    await app.call('PUT', `/v1/orgs/${org}/plan`, { name: 'Team', limits: { seats: 10 } });
    const seats = async () =>
      (await app.call('GET', `/v1/orgs/${org}/plan/usage`)).body.data.find((r: { key: string }) => r.key === 'seats');
    expect(await seats()).toMatchObject({ used: '0', limit: '10', pct: 0 });
    for (const n of [1, 2, 3, 4]) {
      expect((await app.call('POST', `/v1/orgs/${org}/members`, { email: `p${n}@example.com`, name: `P${n}`, role: 'member' })).status).toBe(201);
    }
    expect(await seats()).toMatchObject({ used: '4', limit: '10', pct: 40 });
  });

  it('rejects bad plans and roles, changing nothing', async () => {
    const org = await seedOrg(app);
    await app.call('PUT', `/v1/orgs/${org}/plan`, { name: 'Team', limits: { seats: 3 } });
    for (const body of [
      { name: 'X', limits: { seats: -1 } },
      { name: 'X', limits: { seats: 'lots' } },
      { name: 'X', limits: { 'Bad Key': 1 } },
      { name: '', limits: {} },
      { name: 'X', limits: { credits_per_period: '1.0000001' } },
    ]) {
      const res = await app.call('PUT', `/v1/orgs/${org}/plan`, body);
      expect(res.status).toBe(400);
      expect(['invalid_request', 'invalid_amount']).toContain(res.body.error.code);
    }
    const lead = await app.call('POST', `/v1/orgs/${org}/members`, { email: 'lead@example.com', name: 'Lead', role: 'manager' });
    const manager = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'm', role: 'manager', member: lead.body.id });
    const asManager = { authorization: `Bearer ${manager.body.secret}` };
    expect((await app.call('PUT', `/v1/orgs/${org}/plan`, { name: 'Free', limits: {} }, asManager)).status).toBe(403);
    expect((await app.call('GET', `/v1/orgs/${org}/plan`, undefined, asManager)).body).toMatchObject({ name: 'Team', limits: { seats: '3' } });
  });
});
