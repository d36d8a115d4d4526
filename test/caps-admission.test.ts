import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMicro } from '../src/domain/money.js';
import { findCaps, readCapCounters, recomputeCapUsed } from '../src/modules/caps/queries.js';
import { capWindowContaining } from '../src/domain/capWindows.js';
import { eventId, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/**
 * Spend caps at admission (SPEC §3.16, issue 16 part 2): block caps refuse
 * check and hold naming the cap, ingest never refuses, events and holds carry
 * their project and API key, and the per-window counters equal a
 * recomputation from the facts. The clock starts Tuesday 2026-03-10 12:00 UTC.
 */
describe.each(testDatabases)('caps at admission on $name', (target) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
  });
  afterAll(() => app.close());

  /** An organization with plenty of credit and one member (ann) whose budgets never bind. */
  async function setup() {
    const org = await seedOrg(app);
    const call = (m: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, key?: string) =>
      app.call(m, `/v1/orgs/${org}${path}`, body, key ? { authorization: `Bearer ${key}` } : {});
    expect((await call('POST', '/grants', { name: 'Plan', source: 'included', amount: '100000' })).status).toBe(201);
    expect((await call('PATCH', '/groups/grp_default', { monthly_allocation: '100000' })).status).toBe(200);
    expect((await call('POST', '/members', { id: 'ann', email: 'ann@x.test', name: 'Ann', role: 'member', monthly: null })).status).toBe(201);
    const key = await call('POST', '/api-keys', { name: 'ingest', role: 'owner' });
    expect(key.status).toBe(201);
    return { org, call, key: { id: key.body.id as string, secret: key.body.secret as string } };
  }

  async function ingest(org: string, e: { quantity: string; user?: string; project?: string; meter?: string; api_key?: string }, secret?: string) {
    const res = await app.call(
      'POST',
      '/v1/events',
      { events: [{ id: eventId(), org, meter: e.meter ?? 'tokens', quantity: e.quantity, timestamp: app.clock.now().toISOString(), user: e.user, project: e.project, api_key: e.api_key }] },
      secret ? { authorization: `Bearer ${secret}` } : {},
    );
    expect(res.status).toBe(200);
    expect(res.body.results[0].status).toBe('accepted');
    return res;
  }

  it('32 concurrent holds against one block cap never pass it, to the micro-credit', async () => {
    const { call } = await setup();
    const cap = await call('POST', '/caps', { scope: 'member:ann', window: '1d', limit: '10.000005', mode: 'block' });
    expect(cap.status).toBe(201);
    const amounts = Array.from({ length: 32 }, (_, i) => ['0.333333', '0.5', '1.250001', '0.7'][i % 4]!);
    const results = await Promise.all(amounts.map((amount) => call('POST', '/holds', { member: 'ann', amount })));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    const held = ok.reduce((s, r) => s + parseMicro(r.body.amount as string), 0n);
    const limit = parseMicro('10.000005');
    expect(held <= limit).toBe(true);
    expect(ok.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    // room only shrinks, so every refused amount is more than what is left at the end
    for (const r of refused) {
      expect(r.status).toBe(422);
      expect(r.body.error.details.limited_by).toBe(`cap:${cap.body.id}`);
    }
    const left = limit - held;
    for (let i = 0; i < results.length; i++) if (results[i]!.status !== 201) expect(parseMicro(amounts[i]!) > left).toBe(true);
    const listed = (await call('GET', `/caps/${cap.body.id}`)).body;
    expect(listed).toMatchObject({ used: '0', held: (Number(held) / 1e6).toString() });
  });

  it('refuses check and hold past a block cap naming the cap; notify caps never refuse', async () => {
    const { call } = await setup();
    const block = (await call('POST', '/caps', { scope: 'project:search', window: 'calendar_month', limit: '50', mode: 'block' })).body;
    await call('POST', '/caps', { scope: 'org', window: '1d', limit: '1', mode: 'notify' });
    await ingest((await call('GET', '')).body.id, { quantity: '45', user: 'ann', project: 'search' });
    const check = await call('POST', '/check', { member: 'ann', amount: '6', project: 'search' });
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({
      allowed: false,
      limited_by: `cap:${block.id}`,
      cap: { id: block.id, scope: 'project:search', window: 'calendar_month', limit: '50', used: '45', held: '0', remaining: '5' },
    });
    expect(check.body.message).toContain(block.id);
    // the same amount for another project is not limited by it (and the notify cap at 45 of 1 refuses nothing)
    expect((await call('POST', '/check', { member: 'ann', amount: '6', project: 'chat' })).body).toMatchObject({ allowed: true, limited_by: null });
    expect((await call('POST', '/check', { member: 'ann', amount: '5', project: 'search' })).body.allowed).toBe(true);

    const hold = await call('POST', '/holds', { member: 'ann', amount: '5.000001', project: 'search' });
    expect(hold.status).toBe(422);
    expect(hold.body.error.code).toBe('insufficient_credits');
    expect(hold.body.error.message).toContain(block.id);
    expect(hold.body.error.details).toMatchObject({ limited_by: `cap:${block.id}`, cap: { id: block.id, scope: 'project:search', used: '45', remaining: '5' } });
    const fits = await call('POST', '/holds', { member: 'ann', amount: '5', project: 'search' });
    expect(fits.status).toBe(201);
    expect((await call('GET', `/caps/${block.id}`)).body).toMatchObject({ used: '45', held: '5', remaining: '0' });
    // the capture counts as the project's usage
    expect((await call('POST', `/holds/${fits.body.id}/capture`, { amount: '4' })).status).toBe(200);
    expect((await call('GET', `/caps/${block.id}`)).body).toMatchObject({ used: '49', held: '0', remaining: '1' });
  });

  it('ingest past a block cap is accepted, the cap shows exceeded, the next check is refused', async () => {
    const { org, call } = await setup();
    const cap = (await call('POST', '/caps', { scope: 'org', window: '1d', limit: '10', mode: 'block' })).body;
    await ingest(org, { quantity: '8', user: 'ann' });
    expect((await call('POST', '/check', { member: 'ann', amount: '2' })).body.allowed).toBe(true);
    const past = await ingest(org, { quantity: '7', user: 'ann' });
    expect(past.body.accepted).toBe(1);
    expect((await call('GET', `/caps/${cap.id}`)).body).toMatchObject({ used: '15', remaining: '0', exceeded: true });
    expect((await call('POST', '/check', { member: 'ann', amount: '0.000001' })).body).toMatchObject({ allowed: false, limited_by: `cap:${cap.id}` });
    // the next day is a new window
    app.clock.set(new Date('2026-03-11T00:00:00Z'));
    try {
      expect((await call('POST', '/check', { member: 'ann', amount: '10' })).body.allowed).toBe(true);
      expect((await call('GET', `/caps/${cap.id}`)).body).toMatchObject({ used: '0', exceeded: false });
    } finally {
      app.clock.set(new Date('2026-03-10T12:00:00Z'));
    }
  });

  it('events and holds carry the reporting API key and project; per-key caps see them', async () => {
    const { org, call, key } = await setup();
    const other = (await call('POST', '/api-keys', { name: 'other', role: 'owner' })).body as { id: string; secret: string };
    const keyCap = (await call('POST', '/caps', { scope: `api_key:${key.id}`, window: '1w', limit: '20', mode: 'block' })).body;
    await ingest(org, { quantity: '3', user: 'ann' }, key.secret);
    // an organization key reports as itself, whatever the body names
    await ingest(org, { quantity: '4', user: 'ann', api_key: other.id }, key.secret);
    // the platform key may name the key it reports for
    await ingest(org, { quantity: '5', user: 'ann', api_key: key.id });
    await ingest(org, { quantity: '100', user: 'ann', api_key: other.id });
    expect((await call('GET', `/caps/${keyCap.id}`)).body).toMatchObject({ used: '12', remaining: '8' });
    const hold = await call('POST', '/holds', { member: 'ann', amount: '8' }, key.secret);
    expect(hold.status).toBe(201);
    expect((await call('GET', `/caps/${keyCap.id}`)).body).toMatchObject({ used: '12', held: '8', remaining: '0' });
    const refused = await call('POST', '/check', { member: 'ann', amount: '1' }, key.secret);
    expect(refused.body).toMatchObject({ allowed: false, limited_by: `cap:${keyCap.id}` });
    // another key is not limited by it
    expect((await call('POST', '/check', { member: 'ann', amount: '1' }, other.secret)).body.allowed).toBe(true);
  });

  it('keeps every counter equal to a recomputation from events and captured holds', async () => {
    const { org, call, key } = await setup();
    const scopes = ['org', 'member:ann', 'group:grp_default', 'project:search', `api_key:${key.id}`, 'meter:runs'];
    for (const [i, scope] of scopes.entries()) {
      const window = ['1d', '1w', 'calendar_month', 'cycle'][i % 4]!;
      expect((await call('POST', '/caps', { scope, window, limit: '1000', mode: i % 2 ? 'block' : 'notify' })).status).toBe(201);
    }
    await ingest(org, { quantity: '3', user: 'ann', project: 'search' }, key.secret);
    await ingest(org, { quantity: '2', meter: 'runs', user: 'ann' });
    await ingest(org, { quantity: '7', project: 'search' });
    const hold = await call('POST', '/holds', { member: 'ann', amount: '6', project: 'search' }, key.secret);
    await call('POST', `/holds/${hold.body.id}/capture`, { amount: '5.5' });
    app.clock.set(new Date('2026-03-10T13:00:00Z'));
    try {
      await ingest(org, { quantity: '1.25', user: 'ann', project: 'search' }, key.secret);
      const now = app.clock.now();
      const { counted, recomputed } = await app.db.read(async (q) => {
        const caps = await findCaps(q, org);
        const windows = caps.map((c) => {
          // every cap here has a calendar window or the default cycle, which is the calendar month
          const b = capWindowContaining(c.window === 'cycle' ? 'calendar_month' : c.window, 'UTC', now, { anchor: now, cadence: '1d' });
          return { id: c.id, kind: c.scopeKind, scopeId: c.scopeId, startsAt: b.startsAt, endsAt: b.endsAt };
        });
        return { counted: await readCapCounters(q, org, now, windows), recomputed: await recomputeCapUsed(q, org, windows) };
      });
      expect(counted.size).toBe(scopes.length);
      for (const [id, c] of counted) {
        expect(c.used).not.toBeNull();
        expect(c.used).toBe(recomputed.get(id));
      }
      const list = (await call('GET', '/caps')).body.data as { scope: string; used: string }[];
      expect(Object.fromEntries(list.map((c) => [c.scope, c.used]))).toEqual({
        org: '17', // 3 + 0.25 (one run) + 7 + 5.5 captured + 1.25
        'member:ann': '10',
        'group:grp_default': '10',
        'project:search': '16.75',
        [`api_key:${key.id}`]: '9.75',
        'meter:runs': '0.25', // a count meter: one event is one run
      });
    } finally {
      app.clock.set(new Date('2026-03-10T12:00:00Z'));
    }
  });

  it('Tally-Credits-Remaining and Tally-Limit-Binding give the tightest limit, matching GET /balance and the caps list', async () => {
    const { org, call } = await setup();
    const head = (r: { headers: Record<string, unknown> }) => [r.headers['tally-credits-remaining'], r.headers['tally-limit-binding']];
    const cap = (await call('POST', '/caps', { scope: 'member:ann', window: '1d', limit: '30', mode: 'block' })).body;
    const capLeft = async () => (await call('GET', '/caps')).body.data.find((c: { id: string }) => c.id === cap.id).remaining as string;

    const ingested = await ingest(org, { quantity: '10', user: 'ann' });
    expect(head(ingested)).toEqual(['20', `cap:${cap.id}`]);
    expect(await capLeft()).toBe('20');
    expect(head(await call('POST', '/check', { member: 'ann', amount: '1' }))).toEqual(['20', `cap:${cap.id}`]);
    const hold = await call('POST', '/holds', { member: 'ann', amount: '5' });
    expect(head(hold)).toEqual(['15', `cap:${cap.id}`]);
    expect(await capLeft()).toBe('15');
    const captured = await call('POST', `/holds/${hold.body.id}/capture`, { amount: '3' });
    expect(head(captured)).toEqual(['17', `cap:${cap.id}`]);
    expect(await capLeft()).toBe('17');

    // a member with a small individual allocation: their own remaining binds
    await call('POST', '/members', { id: 'bob', email: 'bob@x.test', name: 'Bob', role: 'member', monthly: '4' });
    const bob = await call('POST', '/check', { member: 'bob', amount: '1' });
    expect(head(bob)).toEqual([(await call('GET', '/members/bob')).body.remaining, 'member']);

    // the balance binds once it is the smallest figure
    const voids = (await call('GET', '/grants?limit=10')).body.data as { id: string }[];
    for (const g of voids) expect((await call('POST', `/grants/${g.id}/void`, {})).status).toBe(200);
    expect((await call('POST', '/grants', { name: 'Small', source: 'purchased', amount: '6.5' })).status).toBe(201);
    const check = await call('POST', '/check', { member: 'ann', amount: '1' });
    const balance = (await call('GET', '/balance')).body;
    expect(head(check)).toEqual([balance.available, 'balance']);
    expect(balance.available).toBe('6.5');
  });
});
