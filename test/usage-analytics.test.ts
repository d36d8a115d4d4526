import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { grant, ingest } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

describe.each(testDatabases)('usage analytics on $name', (target) => {
  let app: TestApp;
  let org: string;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-05T12:00:00Z');
    org = await seedOrg(app, { timezone: 'America/New_York' });
    await grant(app, org, { amount: '10000' });
    app.clock.set('2026-03-20T12:00:00Z');
    await ingest(app, org, [
      { meter: 'tokens', quantity: '100', at: '2026-03-10T15:00:00Z', project: 'web', user: 'ann' },
      { meter: 'tokens', quantity: '50', at: '2026-03-10T16:00:00Z', project: 'api', user: 'bob' },
      { meter: 'runs', quantity: '1', at: '2026-03-12T15:00:00Z', project: 'web', user: 'ann' },
      { meter: 'runs', quantity: '1', at: '2026-03-12T15:10:00Z', project: 'web', user: 'ann' },
      { meter: 'gpu', quantity: '0.5', at: '2026-03-15T03:30:00Z', project: 'ml', resource_class: 'a100' }, // 23:30 on the 14th in New York
    ]);
  });
  afterAll(() => app.close());

  it('breaks the current period down by category, meter, project, user and resource class, highest first', async () => {
    // credits: tokens 150, runs 0.5, gpu 0.5 h × $3.5 × 1000 = 1750
    const byCategory = await app.call('GET', `/v1/orgs/${org}/usage/breakdown?period=current&by=category`);
    expect(byCategory.status).toBe(200);
    expect(byCategory.body.total_credits).toBe('1900.5');
    expect(byCategory.body.data).toEqual([
      { key: 'training', label: 'Training', credits: '1750', share: 0.9208, count: '0.5', count_unit: 'hours' },
      { key: 'agent_chat', label: 'Agent chat', credits: '150', share: 0.0789, count: '150', count_unit: 'tokens' },
      { key: 'workflows', label: 'Workflows', credits: '0.5', share: 0.0003, count: '2', count_unit: 'runs' },
    ]);
    const byProject = await app.call('GET', `/v1/orgs/${org}/usage/breakdown?by=project`);
    expect(byProject.body.data.map((r: { key: string; credits: string; count: string; count_unit: string }) => [r.key, r.credits, r.count, r.count_unit])).toEqual([
      ['ml', '1750', '0.5', 'hours'],
      ['web', '100.5', '3', 'events'],
      ['api', '50', '50', 'tokens'],
    ]);
    const byClass = await app.call('GET', `/v1/orgs/${org}/usage/breakdown?by=resource_class`);
    expect(byClass.body.data.map((r: { key: string | null; label: string }) => [r.key, r.label])).toEqual([
      ['a100', 'a100'],
      [null, '(none)'],
    ]);
    const byMeter = await app.call('GET', `/v1/orgs/${org}/usage/breakdown?period=2026-03&by=meter`);
    expect(byMeter.body.data[0]).toMatchObject({ key: 'gpu', label: 'GPU hours' });
    expect((await app.call('GET', `/v1/orgs/${org}/usage/breakdown?by=colour`)).status).toBe(400);
    expect((await app.call('GET', `/v1/orgs/${org}/usage/breakdown?period=2025-01`)).status).toBe(404);
  });

  it('gives dense daily series per meter in the organization time zone, zero meters on request', async () => {
    const res = await app.call('GET', `/v1/orgs/${org}/usage/series`);
    expect(res.status).toBe(200);
    expect(res.body.series.map((s: { meter: string }) => s.meter)).toEqual(['gpu', 'runs', 'tokens']);
    const gpu = res.body.series[0];
    expect(gpu.points).toHaveLength(30); // the last 30 days, today included
    expect(gpu.points[29].t).toBe('2026-03-20');
    expect(gpu.points.filter((p: { credits: string }) => p.credits !== '0')).toEqual([{ t: '2026-03-14', credits: '1750', quantity: '0.5', events: 1 }]);
    const tokens = res.body.series[2];
    expect(tokens.points.find((p: { t: string }) => p.t === '2026-03-10')).toEqual({ t: '2026-03-10', credits: '150', quantity: '150', events: 2 });

    await app.call('PUT', `/v1/orgs/${org}/meters/storage_gb`, { name: 'Storage', unit: 'GB', category: 'storage', aggregation: 'max', unit_price: '0', price_currency: 'credits' });
    const withZero = await app.call('GET', `/v1/orgs/${org}/usage/series?from=2026-03-09&to=2026-03-12&include_zero=true`);
    expect(withZero.body.series.map((s: { meter: string; total_credits: string }) => [s.meter, s.total_credits])).toEqual([
      ['gpu', '0'],
      ['runs', '0.5'],
      ['storage_gb', '0'],
      ['tokens', '150'],
    ]);
    expect(withZero.body.series[0].points.map((p: { t: string }) => p.t)).toEqual(['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12']);

    const hourly = await app.call('GET', `/v1/orgs/${org}/usage/series?granularity=hour&meter=runs&from=2026-03-12T14:00:00Z&to=2026-03-12T17:00:00Z`);
    expect(hourly.body.series[0].points).toEqual([
      { t: '2026-03-12T14:00:00Z', credits: '0', quantity: '0', events: 0 },
      { t: '2026-03-12T15:00:00Z', credits: '0.5', quantity: '2', events: 2 },
      { t: '2026-03-12T16:00:00Z', credits: '0', quantity: '0', events: 0 },
    ]);
    expect((await app.call('GET', `/v1/orgs/${org}/usage/series?meter=nope`)).body.error.code).toBe('unknown_meter');
    expect((await app.call('GET', `/v1/orgs/${org}/usage/series?from=yesterday`)).body.error.code).toBe('invalid_request');
    expect((await app.call('GET', `/v1/orgs/${org}/usage/series?from=2026-03-12&to=2026-03-01`)).status).toBe(400);
    // found by the fuzz suite: a year-0 end made the day list loop until the process ran out of memory
    for (const query of ['to=0000-01-01', 'from=0000-01-01', 'to=99999-01-01T00:00:00Z']) {
      const res = await app.call('GET', `/v1/orgs/${org}/usage/series?${query}`);
      expect([res.status, res.body.error.code], query).toEqual([400, 'invalid_request']);
    }
    // a range of centuries is refused by its length before any bucket is listed
    for (const query of ['from=1970-01-01&to=9000-12-31', 'granularity=hour&from=1970-01-01T00:00:00Z&to=9999-12-31T00:00:00Z']) {
      const res = await app.call('GET', `/v1/orgs/${org}/usage/series?${query}`);
      expect([res.status, res.body.error.message], query).toEqual([400, expect.stringMatching(/range is too long/)]);
    }
  });

  it('reports included credits of the period', async () => {
    const res = await app.call('GET', `/v1/orgs/${org}/usage/included`);
    expect(res.body).toEqual({
      period: '2026-03',
      granted: '10000',
      used: '1900.5',
      remaining: '8099.5',
      pct_used: 19,
      days_left: 12,
      period_ends_at: '2026-04-01T04:00:00.000Z',
    });
  });
});

describe.each(testDatabases)('usage series across a DST change on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-01T12:00:00Z');
  });
  afterAll(() => app.close());

  it('gives the 23-hour day 23 hourly points and puts every event in its local day', async () => {
    const org = await seedOrg(app, { timezone: 'America/New_York' });
    app.clock.set('2026-03-10T12:00:00Z');
    // New York skips 02:00–03:00 on 2026-03-08.
    await ingest(app, org, [
      { quantity: '1', at: '2026-03-08T05:00:00Z' }, // 00:00 EST, first hour of the 8th
      { quantity: '2', at: '2026-03-08T06:30:00Z' }, // 01:30 EST
      { quantity: '4', at: '2026-03-08T07:30:00Z' }, // 03:30 EDT
      { quantity: '8', at: '2026-03-09T03:59:00Z' }, // 23:59 EDT, still the 8th
      { quantity: '16', at: '2026-03-09T04:00:00Z' }, // 00:00 EDT on the 9th
    ]);
    const daily = await app.call('GET', `/v1/orgs/${org}/usage/series?from=2026-03-07&to=2026-03-09`);
    expect(daily.body.series[0].points.map((p: { t: string; credits: string }) => [p.t, p.credits])).toEqual([
      ['2026-03-07', '0'],
      ['2026-03-08', '15'],
      ['2026-03-09', '16'],
    ]);
    const hourly = await app.call('GET', `/v1/orgs/${org}/usage/series?granularity=hour&from=2026-03-08&to=2026-03-08`);
    const points = hourly.body.series[0].points as { t: string; credits: string }[];
    expect(points).toHaveLength(23);
    expect(points[0]!.t).toBe('2026-03-08T05:00:00Z');
    expect(points[22]!.t).toBe('2026-03-09T03:00:00Z');
    expect(points.filter((p) => p.credits !== '0').map((p) => [p.t, p.credits])).toEqual([
      ['2026-03-08T05:00:00Z', '1'],
      ['2026-03-08T06:00:00Z', '2'],
      ['2026-03-08T07:00:00Z', '4'],
      ['2026-03-09T03:00:00Z', '8'],
    ]);
  });
});
