import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { grant, ingest } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

const READS = (org: string, grantId: string) => [
  `/v1/orgs/${org}/statements`,
  `/v1/orgs/${org}/statements/current`,
  `/v1/orgs/${org}/statements/current/days/2026-04-02/jobs`,
  `/v1/orgs/${org}/statements/current/export.csv`,
  `/v1/orgs/${org}/events/export.csv`,
  `/v1/orgs/${org}/grants/${grantId}/ledger.csv`,
  `/v1/orgs/${org}/invoices`,
  `/v1/orgs/${org}/invoices/inv_2026-04`,
  `/v1/orgs/${org}/usage/breakdown`,
  `/v1/orgs/${org}/usage/series`,
  `/v1/orgs/${org}/usage/included`,
  `/v1/orgs/${org}/plan`,
  `/v1/orgs/${org}/plan/usage`,
];

describe.each(testDatabases)('billing endpoints security on $name', (target) => {
  let app: TestApp;
  let org: string;
  let grantId: string;
  let otherOwner: Record<string, string>;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-04-02T12:00:00Z');
    org = await seedOrg(app);
    grantId = await grant(app, org, { amount: '10' });
    await ingest(app, org, [{ quantity: '1', at: '2026-04-02T11:00:00Z', job_id: 'secret-job' }]);
    const other = await seedOrg(app);
    const key = await app.call('POST', `/v1/orgs/${other}/api-keys`, { name: 'o', role: 'owner' });
    otherOwner = { authorization: `Bearer ${key.body.secret}` };
  });
  afterAll(() => app.close());

  it('answers 200 to the platform key on every read', async () => {
    for (const url of READS(org, grantId)) expect([url, (await app.call('GET', url)).status]).toEqual([url, 200]);
  });

  it("never shows another organization's data: 404 on every read and write", async () => {
    for (const url of READS(org, grantId)) {
      const res = await app.call('GET', url, undefined, otherOwner);
      expect([url, res.status, res.body?.error?.code]).toEqual([url, 404, 'organization_not_found']);
      expect(res.text).not.toContain('secret-job');
    }
    expect((await app.call('PUT', `/v1/orgs/${org}/plan`, { name: 'x', limits: {} }, otherOwner)).status).toBe(404);
  });

  it('needs a key', async () => {
    for (const url of READS(org, grantId)) expect((await app.call('GET', url, undefined, { authorization: '' })).status).toBe(401);
    expect((await app.call('POST', `/v1/orgs/${org}/invoices/inv_2026-04/pay`, undefined, { authorization: '' })).status).toBe(401);
  });
});
