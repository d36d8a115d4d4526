import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { eventId, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

describe.each(testDatabases)('ledger on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
  });
  afterAll(() => app.close());

  const grant = async (org: string, body: Record<string, unknown>, headers?: Record<string, string>) => {
    const res = await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'g', source: 'included', ...body }, headers);
    expect(res.status, res.text).toBe(201);
    return res.body;
  };
  const use = async (org: string, quantity: string, timestamp = app.clock.now().toISOString(), extra = {}) => {
    const res = await app.call('POST', '/v1/events', { events: [{ id: eventId(), org, meter: 'tokens', quantity, timestamp, ...extra }] });
    expect(res.status, res.text).toBe(200);
    return res.body.results[0];
  };
  const remaining = async (org: string, grantId: string) => (await app.call('GET', `/v1/orgs/${org}/grants/${grantId}`)).body.remaining;
  const proof = (org: string) => app.db.read((q) => proveOrg(q, org));

  it('draws equal priorities by earliest expiry, then earliest start', async () => {
    const org = await seedOrg(app);
    const never = await grant(org, { amount: '10' });
    const late = await grant(org, { amount: '10', expires_at: '2026-06-01T00:00:00Z' });
    const soon = await grant(org, { amount: '10', expires_at: '2026-04-01T00:00:00Z' });
    const urgent = await grant(org, { amount: '10', priority: 10, expires_at: '2026-12-01T00:00:00Z' });
    await use(org, '25');
    expect(await remaining(org, urgent.id)).toBe('0');
    expect(await remaining(org, soon.id)).toBe('0');
    expect(await remaining(org, late.id)).toBe('5');
    expect(await remaining(org, never.id)).toBe('10');
    expect((await proof(org)).ok).toBe(true);
  });

  it('stops using a block at exactly expires_at and books its expiry', async () => {
    const org = await seedOrg(app);
    const at = new Date(app.clock.now().getTime() + 60_000).toISOString();
    const short = await grant(org, { amount: '10', expires_at: at, priority: 1 });
    const backup = await grant(org, { amount: '10' });
    app.clock.set(at);
    const r = await use(org, '4', at);
    expect(r.status).toBe('accepted');
    expect(await remaining(org, backup.id)).toBe('6');
    const g = (await app.call('GET', `/v1/orgs/${org}/grants/${short.id}`)).body;
    expect(g.status).toBe('expired');
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body.available).toBe('6');
    expect(await app.scheduler.runOnce()).toMatchObject({ 'block-expiry': expect.any(Number) });
    const ledger = (await app.call('GET', `/v1/orgs/${org}/grants/${short.id}/ledger`)).body.data;
    expect(ledger.map((e: { type: string; amount: string }) => [e.type, e.amount])).toEqual([
      ['grant', '10'],
      ['expiry', '-10'],
    ]);
    expect(await remaining(org, short.id)).toBe('0');
    expect((await proof(org)).ok).toBe(true);
    app.clock.set('2026-03-10T12:00:00Z');
  });

  it('never uses a future block and reports it as pending', async () => {
    const org = await seedOrg(app);
    const future = await grant(org, { amount: '50', starts_at: '2026-04-01T00:00:00Z' });
    expect(future.status).toBe('pending');
    const r = await use(org, '5');
    expect(r.cost_credits).toBe('5');
    const bal = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
    expect(bal).toMatchObject({ available: '0', pending: '50', overage: '5' });
    const pending = (await app.call('GET', `/v1/orgs/${org}/grants?status=pending`)).body.data;
    expect(pending.map((g: { id: string }) => g.id)).toEqual([future.id]);
  });

  it('repays overage first from the next grant', async () => {
    const org = await seedOrg(app);
    await use(org, '7');
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body.overage).toBe('7');
    const g = await grant(org, { amount: '20' });
    expect(g.remaining).toBe('13');
    const bal = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
    expect(bal).toMatchObject({ available: '13', overage: '0', spent: '7', total_granted: '20' });
    expect((await proof(org)).ok).toBe(true);
  });

  it('skips voided grants and books their remainder as voided', async () => {
    const org = await seedOrg(app);
    const a = await grant(org, { amount: '10', priority: 1 });
    const b = await grant(org, { amount: '10', priority: 2 });
    await use(org, '3');
    const voided = await app.call('POST', `/v1/orgs/${org}/grants/${a.id}/void`, {});
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ status: 'voided', remaining: '0' });
    await use(org, '4');
    expect(await remaining(org, b.id)).toBe('6');
    const again = await app.call('POST', `/v1/orgs/${org}/grants/${a.id}/void`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_voided');
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body.available).toBe('6');
    expect((await proof(org)).ok).toBe(true);
  });

  it('pays a late event from the block active at its timestamp', async () => {
    const org = await seedOrg(app);
    app.clock.set('2026-03-05T00:00:00Z');
    const early = await grant(org, { amount: '10', priority: 90, expires_at: '2026-03-08T00:00:00Z' });
    app.clock.set('2026-03-10T12:00:00Z');
    const now = await grant(org, { amount: '10', priority: 1 });
    // happened on Mar 6, while `early` was active; its expiry is not booked yet
    await use(org, '4', '2026-03-06T10:00:00Z');
    expect(await remaining(org, early.id)).toBe('6');
    expect(await remaining(org, now.id)).toBe('10');
    await app.scheduler.runOnce();
    // after the expiry is booked the old block holds nothing: the next late event falls to `now`
    await use(org, '4', '2026-03-06T11:00:00Z');
    expect(await remaining(org, now.id)).toBe('6');
    expect((await proof(org)).ok).toBe(true);
  });

  it('answers a balance as of a past instant', async () => {
    const org = await seedOrg(app);
    app.clock.set('2026-03-10T12:00:00Z');
    await grant(org, { amount: '100', source: 'purchased' });
    app.clock.set('2026-03-10T13:00:00Z');
    await use(org, '30', '2026-03-10T13:00:00Z');
    app.clock.set('2026-03-10T14:00:00Z');
    await use(org, '20', '2026-03-10T14:00:00Z');
    const at = (await app.call('GET', `/v1/orgs/${org}/balance?at=2026-03-10T13:30:00Z`)).body;
    expect(at).toMatchObject({ available: '70', purchased: '70', spent: '30', as_of: '2026-03-10T13:30:00.000Z' });
    const nowBal = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
    expect(nowBal).toMatchObject({ available: '50', purchased: '50', spent: '50', total_granted: '100' });
    app.clock.set('2026-03-10T12:00:00Z');
  });

  it('answers a replayed grant or void with the first answer (Idempotency-Key)', async () => {
    const org = await seedOrg(app);
    const first = await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'x', source: 'promotional', amount: '5' }, { 'idempotency-key': 'k1' });
    const replay = await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'x', source: 'promotional', amount: '5' }, { 'idempotency-key': 'k1' });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect((await app.call('GET', `/v1/orgs/${org}/grants`)).body.data).toHaveLength(1);
    const reused = await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'y', source: 'promotional', amount: '6' }, { 'idempotency-key': 'k1' });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    const v1 = await app.call('POST', `/v1/orgs/${org}/grants/${first.body.id}/void`, {}, { 'idempotency-key': 'v1' });
    const v2 = await app.call('POST', `/v1/orgs/${org}/grants/${first.body.id}/void`, {}, { 'idempotency-key': 'v1' });
    expect(v1.status).toBe(200);
    expect(v2.status).toBe(200);
    expect(v2.body).toEqual(v1.body);
  });

  it('reports duplicates and changes nothing on replay', async () => {
    const org = await seedOrg(app);
    await grant(org, { amount: '100' });
    const events = [1, 2, 3].map((n) => ({ id: `dup-${n}`, org, meter: 'runs', quantity: 1, timestamp: app.clock.now().toISOString() }));
    const first = await app.call('POST', '/v1/events', { events: [...events, events[0]] });
    expect(first.body).toMatchObject({ accepted: 3, duplicates: 1, rejected: 0 });
    const before = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
    const replay = await app.call('POST', '/v1/events', { events });
    expect(replay.body).toMatchObject({ accepted: 0, duplicates: 3 });
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body).toEqual(before);
    expect(before.available).toBe('99.25');
  });

  it('lists events newest first with a cursor and filters', async () => {
    const org = await seedOrg(app);
    for (let i = 0; i < 5; i++) {
      await use(org, '1', new Date(Date.parse('2026-03-10T10:00:00Z') + i * 60_000).toISOString(), { user: i % 2 ? 'ann' : 'bob' });
    }
    const page1 = (await app.call('GET', `/v1/orgs/${org}/events?limit=2`)).body;
    expect(page1.data.map((e: { timestamp: string }) => e.timestamp)).toEqual(['2026-03-10T10:04:00.000Z', '2026-03-10T10:03:00.000Z']);
    const page2 = (await app.call('GET', `/v1/orgs/${org}/events?limit=2&cursor=${page1.next_cursor}`)).body;
    expect(page2.data.map((e: { timestamp: string }) => e.timestamp)).toEqual(['2026-03-10T10:02:00.000Z', '2026-03-10T10:01:00.000Z']);
    const ann = (await app.call('GET', `/v1/orgs/${org}/events?user=ann`)).body.data;
    expect(ann).toHaveLength(2);
    expect(ann[0]).toMatchObject({ user: 'ann', overage: '1', cost_credits: '1' });
  });

  it('rates with an organization override and resource class prices', async () => {
    const org = await seedOrg(app, { credit_factor: '100' });
    await grant(org, { amount: '10000' });
    const put = await app.call('PUT', `/v1/orgs/${org}/meters/tokens`, {
      name: 'Tokens (discounted)', unit: 'tokens', category: 'agent_chat', aggregation: 'sum', unit_price: '0.5', price_currency: 'credits',
    });
    expect(put.body.scope).toBe('org');
    expect((await use(org, '10')).cost_credits).toBe('5');
    const gpu = await app.call('POST', '/v1/events', {
      events: [{ id: eventId(), org, meter: 'gpu', quantity: '1.5', resource_class: 'a100', timestamp: app.clock.now().toISOString() }],
    });
    expect(gpu.body.results[0].cost_credits).toBe('525'); // 1.5 h × $3.5 × 100
  });

  it('keeps the ledger append-only at the database', async () => {
    const org = await seedOrg(app);
    await grant(org, { amount: '1' });
    await expect(app.db.transaction((tx) => tx.execute(`update ledger_entries set amount = 2 where org_id = '${org}'`))).rejects.toThrow();
    await expect(app.db.transaction((tx) => tx.execute(`delete from ledger_entries where org_id = '${org}'`))).rejects.toThrow();
  });
});
