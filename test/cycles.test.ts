import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

describe.each(testDatabases)('credit cycles on $name', (target) => {
  let app: TestApp;
  let org: string;
  const base = () => `/v1/orgs/${org}`;
  const use = async (amount: string, at: string, user?: string) => {
    const res = await app.call('POST', '/v1/events', { events: [{ id: eventId(), org, meter: 'tokens', quantity: amount, timestamp: at, user }] });
    expect(res.status, res.text).toBe(200);
  };
  const cycle = async () => (await app.call('GET', `${base()}/cycle`)).body;

  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
    org = await seedOrg(app);
    await app.call('POST', `${base()}/grants`, { name: 'Plan', source: 'included', amount: '10000' });
    await app.call('PATCH', `${base()}/groups/grp_default`, { monthly_allocation: '1000' });
    await app.call('POST', `${base()}/members`, { id: 'amy', email: 'amy@x.test', name: 'Amy', role: 'member', monthly: '100' });
  });
  afterAll(() => app.close());

  it('starts with the calendar month and no account limit', async () => {
    expect(await cycle()).toMatchObject({
      id: 'cyc_000001',
      cadence: 'calendar_month',
      starts_at: '2026-03-01T00:00:00.000Z',
      ends_at: '2026-04-01T00:00:00.000Z',
      credits_per_cycle: null,
      used: '0',
      available: null,
      usage_pct: null,
    });
  });

  it('applies a new credits_per_cycle at once: used stays, available is recalculated', async () => {
    await app.call('PATCH', `${base()}/settings`, { credits_per_cycle: '100' });
    await use('30', '2026-03-10T11:00:00Z', 'amy');
    expect(await cycle()).toMatchObject({ id: 'cyc_000001', used: '30', available: '70', usage_pct: '30' });
    const s = await app.call('PATCH', `${base()}/settings`, { credits_per_cycle: '50' });
    expect(s.body).toMatchObject({ credits_per_cycle: '50', cycle_cadence: 'calendar_month' });
    expect(await cycle()).toMatchObject({ id: 'cyc_000001', used: '30', available: '20', usage_pct: '60', credits_per_cycle: '50' });
  });

  it('reset closes the cycle now and counts the next end from now; extras are per cycle', async () => {
    await app.call('PATCH', `${base()}/members/amy`, { extra: '5' });
    expect((await app.call('GET', `${base()}/members/amy`)).body).toMatchObject({ extra: '5', used: '30', remaining: '75' });
    app.clock.set('2026-03-12T08:00:00Z');
    const reset = await app.call('POST', `${base()}/cycle/reset`);
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ id: 'cyc_000002', starts_at: '2026-03-12T08:00:00.000Z', ends_at: '2026-04-12T08:00:00.000Z', used: '0', available: '50' });
    expect((await app.call('GET', `${base()}/members/amy`)).body).toMatchObject({ extra: '0', used: '0', remaining: '100' });
    // a late event from before the reset belongs to the closed cycle
    await use('4', '2026-03-11T09:00:00Z', 'amy');
    await use('6', '2026-03-12T07:59:00Z');
    await use('2', '2026-03-12T08:00:00Z', 'amy');
    const history = await app.call('GET', `${base()}/cycles`);
    expect(history.body.data.map((c: { id: string; used: string; closed_at: string | null }) => [c.id, c.used, c.closed_at])).toEqual([
      ['cyc_000002', '2', null],
      ['cyc_000001', '40', '2026-03-12T08:00:00.000Z'],
    ]);
    expect((await app.call('GET', `${base()}/members/amy`)).body.used).toBe('2');
  });

  it('a cadence change starts a fresh cycle; cycles roll over by themselves', async () => {
    app.clock.set('2026-03-12T09:30:00Z');
    await app.call('PATCH', `${base()}/settings`, { cycle_cadence: '1h' });
    expect(await cycle()).toMatchObject({ id: 'cyc_000003', cadence: '1h', starts_at: '2026-03-12T09:30:00.000Z', ends_at: '2026-03-12T10:30:00.000Z', used: '0' });
    await use('3', '2026-03-12T09:30:30Z', 'amy');
    app.clock.set('2026-03-12T11:00:00Z');
    // before any job runs, the cycle has rolled over for readers
    expect(await cycle()).toMatchObject({ id: 'cyc_000004', starts_at: '2026-03-12T10:30:00.000Z', ends_at: '2026-03-12T11:30:00.000Z', used: '0' });
    expect((await app.call('GET', `${base()}/members/amy`)).body.used).toBe('0');
    expect((await app.scheduler.runOnce())['cycle-rollover']).toBe(1);
    expect((await app.scheduler.runOnce())['cycle-rollover']).toBe(0);
    await use('1.5', '2026-03-12T10:59:00Z', 'amy');
    const page1 = await app.call('GET', `${base()}/cycles?limit=2`);
    expect(page1.body.data.map((c: { id: string; used: string }) => [c.id, c.used])).toEqual([
      ['cyc_000004', '1.5'],
      ['cyc_000003', '3'],
    ]);
    const page2 = await app.call('GET', `${base()}/cycles?limit=2&cursor=${page1.body.next_cursor}`);
    expect(page2.body.data.map((c: { id: string }) => c.id)).toEqual(['cyc_000002', 'cyc_000001']);
    expect(page2.body.data[0].closed_at).toBe('2026-03-12T09:30:00.000Z');
    const audit = await app.call('GET', `${base()}/audit?action=cycle.reset`);
    expect(audit.body.data).toHaveLength(1);
  });
});
