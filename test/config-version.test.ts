import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

describe.each(testDatabases)('configuration versions on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target);
  });
  afterAll(() => app.close());

  const version = async (org: string) =>
    Number((await app.db.read((q) => rows<{ v: bigint }>(q, sql`select config_version as v from orgs where id = ${org}`)))[0]!.v);
  const platform = async () => Number((await app.db.read((q) => rows<{ v: bigint }>(q, sql`select version as v from platform_config where id = 1`)))[0]!.v);

  it('every configuration change bumps the organization version; state changes and other organizations do not', async () => {
    const org = await seedOrg(app);
    const other = await seedOrg(app);
    const changes: [string, () => Promise<{ status: number }>][] = [
      ['settings', () => app.call('PATCH', `/v1/orgs/${org}/settings`, { credits_per_cycle: '10' })],
      ['group', () => app.call('PATCH', `/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '50' })],
      ['member', () => app.call('POST', `/v1/orgs/${org}/members`, { id: 'm', email: 'm@x.test', name: 'm', role: 'member', monthly: '5' })],
      ['plan', () => app.call('PUT', `/v1/orgs/${org}/plan`, { name: 'P', limits: { credits_per_period: '100' }, allowances: {} })],
      ['alerts', () => app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds: [{ credits: '5' }], emails: [] })],
      ['org meter', () => app.call('PUT', `/v1/orgs/${org}/meters/tokens`, { name: 'Tokens', unit: 'tokens', category: 'agent_chat', aggregation: 'sum', unit_price: '2', price_currency: 'credits' })],
    ];
    for (const [what, change] of changes) {
      const before = await version(org);
      const otherBefore = await version(other);
      const r = await change();
      expect(r.status, what).toBeLessThan(300);
      expect(await version(org), what).toBeGreaterThan(before);
      expect(await version(other), what).toBe(otherBefore);
    }
    // A threshold firing is state, not configuration.
    const before = await version(org);
    await app.db.transaction((tx) => tx.execute(sql`update alert_thresholds set state = 'fired', changed_at = now() where org_id = ${org}`));
    expect(await version(org)).toBe(before);
  });

  it('a change of platform meters bumps the platform version', async () => {
    const before = await platform();
    const r = await app.call('PUT', '/v1/meters/tokens', { name: 'Tokens', unit: 'tokens', category: 'agent_chat', aggregation: 'sum', unit_price: '1', price_currency: 'credits' });
    expect(r.status).toBe(200);
    expect(await platform()).toBeGreaterThan(before);
  });
});
