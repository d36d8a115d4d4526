import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ORG, seedDemoIfEmpty } from '../src/demo/seed.js';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/** The demo organization `npm start` seeds: 90 days made by the real services, every status present. */
describe.each(testDatabases)('demo data on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-11-21T12:00:00Z');
    expect(await seedDemoIfEmpty(app.ctx)).toEqual({ orgId: DEMO_ORG });
  }, 300_000);
  afterAll(() => app.close());

  const get = async (path: string) => (await app.call('GET', `/v1/orgs/${DEMO_ORG}${path}`)).body;

  it('seeds only an empty database', async () => {
    expect(await seedDemoIfEmpty(app.ctx)).toBeNull();
  });

  it('has a ledger that verifies and grants in every state', async () => {
    expect((await app.db.read((q) => proveOrg(q, DEMO_ORG))).ok).toBe(true);
    const statuses = new Set((await get('/grants?status=all&limit=100')).data.map((g: { status: string }) => g.status));
    for (const s of ['in_use', 'pending', 'expired']) expect(statuses).toContain(s);
    const multi = (await get('/grants?status=all&limit=100')).data.find((g: { blocks: unknown[] }) => g.blocks.length > 1);
    expect(multi.blocks.length).toBe(4);
    const balance = await get('/balance');
    expect(Number(balance.available)).toBeGreaterThan(0);
    expect(Number(balance.included)).toBeGreaterThan(0);
    expect(Number(balance.purchased)).toBeGreaterThan(0);
  });

  it('has people in groups, requests in each status, closed statements and issued invoices', async () => {
    const overview = await get('/allocations');
    expect(overview.groups.map((g: { name: string }) => g.name).sort()).toEqual(['Default', 'Product', 'Research']);
    expect((await get('/members?limit=100')).data).toHaveLength(6);
    const requests = (await get('/requests?limit=100')).data.map((r: { status: string }) => r.status).sort();
    expect(requests).toEqual(['approved', 'auto_approved', 'denied', 'pending']);
    const periods = (await get('/statements')).data;
    expect(periods.filter((p: { status: string }) => p.status === 'closed').length).toBeGreaterThanOrEqual(2);
    const invoices = (await get('/invoices')).data.map((i: { status: string }) => i.status);
    expect(invoices[0]).toBe('draft');
    expect(invoices).toContain('issued');
    const breakdown = (await get('/usage/breakdown?period=current&by=category')).data;
    expect(breakdown.length).toBeGreaterThanOrEqual(4);
  });
});
