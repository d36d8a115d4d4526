import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, seedOrg, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

// Guards the ingest hot path's booking (the open billing period is found once
// per batch): usage from a closed period is booked at the start of the open
// period in the organization's zone, usage from the open period keeps its time.
describe.each(testDatabases)('ingest booking time on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
  });
  afterAll(() => app.close());

  it('books late usage at the open period start in the org zone, other usage at its own time', async () => {
    const org = await seedOrg(app, { timezone: 'Europe/Berlin' });
    const g = await app.call('POST', `/v1/orgs/${org}/grants`, {
      name: 'Plan',
      source: 'included',
      amount: '100',
      starts_at: '2026-02-01T00:00:00Z',
    });
    expect(g.status).toBe(201);
    const events = [
      { id: 'late', timestamp: '2026-02-20T10:00:00Z' }, // February in Berlin: closed period
      { id: 'edge-before', timestamp: '2026-02-28T22:59:59Z' }, // 23:59:59 on 28 Feb in Berlin
      { id: 'edge-at', timestamp: '2026-02-28T23:00:00Z' }, // 00:00 on 1 March in Berlin
      { id: 'current', timestamp: '2026-03-05T10:00:00Z' },
    ].map((e) => ({ ...e, org, meter: 'tokens', quantity: '2' }));
    const ev = await app.call('POST', '/v1/events', { events });
    expect(ev.status).toBe(200);
    expect(ev.body.accepted).toBe(4);

    const ledger = await app.call('GET', `/v1/orgs/${org}/grants/${g.body.id}/ledger?limit=100`);
    expect(ledger.status).toBe(200);
    const bookedAt = Object.fromEntries(
      (ledger.body.data as { type: string; event_id: string | null; occurred_at: string }[])
        .filter((e) => e.type === 'usage')
        .map((e) => [e.event_id, e.occurred_at]),
    );
    expect(bookedAt).toEqual({
      late: '2026-02-28T23:00:00.000Z',
      'edge-before': '2026-02-28T23:00:00.000Z',
      'edge-at': '2026-02-28T23:00:00.000Z',
      current: '2026-03-05T10:00:00.000Z',
    });
  });
});
