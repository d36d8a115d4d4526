import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleKey, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { grant, ingest } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

describe.each(testDatabases)('cost tracking on $name', (target) => {
  let app: TestApp;
  let org: string;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-01T00:00:00Z');
    org = await seedOrg(app); // credit factor 1000: 1 USD = 1000 credits
    await grant(app, org, { amount: '100000' });
    app.clock.set('2026-03-11T12:00:00Z');
    await ingest(app, org, [
      { quantity: '1000', at: '2026-03-02T10:00:00Z', user: 'ann', project: 'web' }, // 1000 credits, $1
      { meter: 'gpu', quantity: '2', resource_class: 'a100', at: '2026-03-03T10:00:00Z', user: 'bob', project: 'ml' }, // $7, 7000 credits
      { quantity: '500', at: '2026-03-09T10:00:00Z', user: 'ann', project: 'web' }, // 500 credits, $0.5
      { quantity: '200', at: '2026-03-11T10:00:00Z', user: 'ann', project: '=cmd' }, // today
    ]);
  });
  afterAll(() => app.close());

  it('gives USD and credits per week and project, with the conversion stated and the period forecast', async () => {
    const res = await app.call('GET', `/v1/orgs/${org}/costs?from=2026-03-01&to=2026-03-10&by=project&interval=week`);
    expect(res.status).toBe(200);
    expect(res.body.conversion).toContain('1 USD = 1,000 credits');
    expect(res.body.totals).toEqual({ usd: '8.5', credits: '8500' });
    expect(res.body.series.map((s: { t: string; usd: string; credits: string }) => [s.t, s.usd, s.credits])).toEqual([
      ['2026-03-02', '8', '8000'],
      ['2026-03-09', '0.5', '500'],
    ]);
    expect(res.body.breakdown).toEqual([
      { key: 'ml', usd: '7', credits: '7000' },
      { key: 'web', usd: '1.5', credits: '1500' },
    ]);
    // So far $8.7; pace $0.85 a day over 10 days: rest of today $0.65, then 20 days × $0.85.
    expect(res.body.forecast).toMatchObject({ period: '2026-03', usd_so_far: '8.7', projected_usd: '26.35', projected_credits: '26350' });
  });

  it('exports the same figures as CSV, formula-safe', async () => {
    const res = await app.call('GET', `/v1/orgs/${org}/costs/export.csv?by=project&interval=month`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.text.replace(/^\uFEFF/, '').split('\r\n')).toEqual([
      'period_start,key,usd,credits',
      "2026-03-01,'=cmd,0.2,200",
      '2026-03-01,ml,7,7000',
      '2026-03-01,web,1.5,1500',
      '',
    ]);
  });

  it('is for owners and billing admins only, and refuses bad ranges', async () => {
    for (const [role, status] of [['billing_admin', 200], ['owner', 200], ['manager', 403], ['member', 403]] as const) {
      const key = await roleKey(app, org, role);
      expect((await app.call('GET', `/v1/orgs/${org}/costs`, undefined, { authorization: `Bearer ${key}` })).status, role).toBe(status);
    }
    const reversed = await app.call('GET', `/v1/orgs/${org}/costs?from=2026-03-10&to=2026-03-01`);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.code).toBe('invalid_request');
    expect((await app.call('GET', `/v1/orgs/${org}/costs?by=colour`)).status).toBe(400);
    expect((await app.call('GET', `/v1/orgs/${org}/costs?from=2024-01-01&to=2026-03-01`)).status).toBe(400);
  });
});
