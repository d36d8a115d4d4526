import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId, seedOrg, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';
import { startNotifyApp, type NotifyApp } from './helpers/notify.js';

const T = '2026-03-10T11:00:00Z';
const MINUTE = 60 * 1000;

describe.each(testDatabases)('purchases and auto-recharge on $name', (target) => {
  let app: NotifyApp;
  beforeAll(async () => {
    app = await startNotifyApp(target);
  });
  afterAll(() => app.close());

  const newOrg = () => seedOrg(app as unknown as TestApp);
  const use = async (org: string, tokens: string) => {
    const res = await app.call('POST', '/v1/events', { events: [{ id: eventId(), org, meter: 'tokens', quantity: tokens, timestamp: T }] });
    expect(res.status).toBe(200);
  };
  const balance = async (org: string) => (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
  const purchasesOf = async (org: string) => (await app.call('GET', `/v1/orgs/${org}/purchases`)).body.data as Record<string, string>[];
  const notes = async (org: string, type: string) =>
    (await app.call('GET', `/v1/orgs/${org}/notifications?type=${type}`)).body.data as { data: Record<string, unknown> }[];

  it('holds a purchase in pending_payment until confirmed, then repays overage first', async () => {
    const org = await newOrg();
    await use(org, '10'); // no credit at all: 10 credits of overage
    expect((await balance(org)).overage).toBe('10');

    const created = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '50', price_usd: '49.99', idempotency_key: 'p-1' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending_payment', amount: '50', price_usd: '49.99', provider: 'manual', origin: 'manual' });
    const grant = await app.call('GET', `/v1/orgs/${org}/grants/${created.body.grant_id}`);
    expect(grant.body).toMatchObject({ status: 'pending_payment', source: 'purchased' });
    expect(await balance(org)).toMatchObject({ available: '0', overage: '10' });

    const replay = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '50', price_usd: '49.99', idempotency_key: 'p-1' });
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(created.body.id);
    const reused = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '60', idempotency_key: 'p-1' });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    expect(await purchasesOf(org)).toHaveLength(1);

    const confirmed = await app.call('POST', `/v1/orgs/${org}/purchases/${created.body.id}/confirm`, { reference: 'wire-42' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'paid', provider_reference: 'wire-42' });
    expect(await balance(org)).toMatchObject({ available: '40', purchased: '40', overage: '0' });
    const again = await app.call('POST', `/v1/orgs/${org}/purchases/${created.body.id}/confirm`);
    expect(again.status).toBe(200);
    expect((await balance(org)).available).toBe('40');
    const paid = await notes(org, 'purchase.paid');
    expect(paid).toHaveLength(1);
    expect(paid[0]!.data).toMatchObject({ overage_repaid: '10' });
  });

  it('keeps unpaid credit out of the ledger and the statement until the payment arrives', async () => {
    const org = await newOrg();
    const statement = async () => (await app.call('GET', `/v1/orgs/${org}/statements/current`)).body.summary;
    const paid = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '40', idempotency_key: 'led-1' });
    const failed = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '25', idempotency_key: 'led-2' });
    const ledger = async (grant: string) => (await app.call('GET', `/v1/orgs/${org}/grants/${grant}/ledger`)).body.data;
    expect(await ledger(paid.body.grant_id)).toEqual([]);
    expect(await statement()).toMatchObject({ purchased: '0', closing: '0' });
    expect((await app.call('POST', `/v1/orgs/${org}/purchases/${failed.body.id}/fail`, {})).status).toBe(200);
    expect(await ledger(failed.body.grant_id)).toEqual([]);
    expect((await app.call('POST', `/v1/orgs/${org}/purchases/${paid.body.id}/confirm`, {})).status).toBe(200);
    expect((await ledger(paid.body.grant_id)).map((e: { type: string; amount: string }) => [e.type, e.amount])).toEqual([['grant', '40']]);
    expect(await statement()).toMatchObject({ purchased: '40', adjustments: '0', closing: '40' });
    expect((await balance(org)).purchased).toBe('40');
  });

  it('cancels a failed purchase: grant voided, nothing spendable, cannot be confirmed afterwards', async () => {
    const org = await newOrg();
    const created = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '25', idempotency_key: 'p-2' });
    const failed = await app.call('POST', `/v1/orgs/${org}/purchases/${created.body.id}/fail`, { reason: 'card declined' });
    expect(failed.body).toMatchObject({ status: 'failed', failure_reason: 'card declined' });
    const grant = await app.call('GET', `/v1/orgs/${org}/grants/${created.body.grant_id}`);
    expect(grant.body.status).toBe('voided');

    const confirm = await app.call('POST', `/v1/orgs/${org}/purchases/${created.body.id}/confirm`);
    expect(confirm.status).toBe(409);
    expect(confirm.body.error.code).toBe('purchase_not_pending');
    expect((await app.call('GET', `/v1/orgs/${org}/purchases/${created.body.id}`)).body.status).toBe('failed');
    expect((await balance(org)).available).toBe('0');
  });

  it('refuses bad purchase input and changes nothing', async () => {
    const org = await newOrg();
    const cases = [
      { amount: '1.0000001', idempotency_key: 'x' },
      { amount: '0', idempotency_key: 'x' },
      { amount: '-5', idempotency_key: 'x' },
      { amount: '5' },
      { amount: '5', price_usd: '1.1234567', idempotency_key: 'x' },
    ];
    for (const body of cases) {
      const res = await app.call('POST', `/v1/orgs/${org}/purchases`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toMatch(/^invalid_/);
    }
    expect(await purchasesOf(org)).toEqual([]);
    expect((await app.call('GET', `/v1/orgs/${org}/grants`)).body.data).toEqual([]);
    const missing = await app.call('POST', `/v1/orgs/${org}/purchases/pur_nope/confirm`);
    expect(missing.status).toBe(404);
    const bad = await app.call('PUT', `/v1/orgs/${org}/auto-recharge`, {
      enabled: true,
      threshold: '-1',
      amount: '10',
      max_per_month: 1,
      cooldown_minutes: 0,
    });
    expect(bad.status).toBe(400);
    expect((await app.call('GET', `/v1/orgs/${org}/auto-recharge`)).body.enabled).toBe(false);
  });

  it('lets billing admins buy but only the operator confirm; other organizations see 404', async () => {
    const org = await newOrg();
    const other = await newOrg();
    const key = async (o: string, role: string, member?: string) =>
      (await app.call('POST', `/v1/orgs/${o}/api-keys`, { name: role, role, member })).body.secret as string;
    const lead = (await app.call('POST', `/v1/orgs/${org}/members`, { email: 'lead@example.com', name: 'Lead', role: 'manager' })).body;
    const admin = { authorization: `Bearer ${await key(org, 'billing_admin')}` };
    const manager = { authorization: `Bearer ${await key(org, 'manager', lead.id)}` };
    const otherOwner = { authorization: `Bearer ${await key(other, 'owner')}` };
    const created = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '5', idempotency_key: 'k' }, admin);
    expect(created.status).toBe(201);
    expect((await app.call('POST', `/v1/orgs/${org}/purchases/${created.body.id}/confirm`, {}, admin)).status).toBe(403);
    expect((await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '5', idempotency_key: 'm' }, manager)).status).toBe(403);
    expect((await app.call('GET', `/v1/orgs/${org}/purchases/${created.body.id}`, undefined, otherOwner)).status).toBe(404);
    expect((await app.call('GET', `/v1/orgs/${other}/purchases/${created.body.id}`, undefined, otherOwner)).status).toBe(404);
    expect((await app.call('GET', `/v1/orgs/${org}/purchases/${created.body.id}`)).body.status).toBe('pending_payment');
  });

  it('starts exactly one auto-recharge purchase when 32 concurrent batches cross the threshold', async () => {
    const org = await newOrg();
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '100' });
    const put = await app.call('PUT', `/v1/orgs/${org}/auto-recharge`, {
      enabled: true,
      threshold: '50',
      amount: '200',
      max_per_month: 3,
      cooldown_minutes: 60,
    });
    expect(put.status).toBe(200);
    expect(put.body.in_flight_purchase_id).toBeNull();

    await Promise.all(Array.from({ length: 32 }, () => use(org, '2')));
    const bought = await purchasesOf(org);
    expect(bought).toHaveLength(1);
    expect(bought[0]).toMatchObject({ origin: 'auto_recharge', amount: '200', status: 'pending_payment' });
    expect((await app.call('GET', `/v1/orgs/${org}/auto-recharge`)).body).toMatchObject({
      in_flight_purchase_id: bought[0]!.id,
      purchases_this_month: 1,
    });

    // paid: the credit arrives; below the threshold again within the cooldown → nothing new
    await app.call('POST', `/v1/orgs/${org}/purchases/${bought[0]!.id}/confirm`);
    expect((await balance(org)).available).toBe('236');
    await use(org, '200');
    expect(await purchasesOf(org)).toHaveLength(1);
    // after the cooldown, the next change below the threshold buys again
    app.clock.advance(61 * MINUTE);
    await use(org, '1');
    const second = await purchasesOf(org);
    expect(second).toHaveLength(2);

    // a failed payment notifies and waits for the cooldown before buying again
    const failed = await app.call('POST', `/v1/orgs/${org}/purchases/${second[0]!.id}/fail`, { reason: 'card declined' });
    expect(failed.body.status).toBe('failed');
    expect(await notes(org, 'auto_recharge.failed')).toHaveLength(1);
    await use(org, '1');
    expect(await purchasesOf(org)).toHaveLength(2);
    app.clock.advance(61 * MINUTE);
    await use(org, '1');
    expect(await purchasesOf(org)).toHaveLength(3);
  });

  it('respects the monthly cap', async () => {
    const org = await newOrg();
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '10' });
    await app.call('PUT', `/v1/orgs/${org}/auto-recharge`, { enabled: true, threshold: '5', amount: '10', max_per_month: 1, cooldown_minutes: 0 });
    await use(org, '6');
    const [first] = await purchasesOf(org);
    await app.call('POST', `/v1/orgs/${org}/purchases/${first!.id}/confirm`);
    await use(org, '10');
    expect(await purchasesOf(org)).toHaveLength(1);
    expect((await app.call('GET', `/v1/orgs/${org}/auto-recharge`)).body.purchases_this_month).toBe(1);
    app.clock.set('2026-04-02T12:00:00Z'); // a new calendar month
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'April', source: 'included', amount: '0.5' });
    expect(await purchasesOf(org)).toHaveLength(2);
    app.clock.set('2026-03-10T12:00:00Z');
  });

  it('sends grant.depleted once when a grant is used up', async () => {
    const org = await newOrg();
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Small', source: 'promotional', amount: '3' });
    await use(org, '2');
    expect(await notes(org, 'grant.depleted')).toHaveLength(0);
    await use(org, '1');
    await use(org, '4');
    const depleted = await notes(org, 'grant.depleted');
    expect(depleted).toHaveLength(1);
    expect(depleted[0]!.data).toMatchObject({ name: 'Small', source: 'promotional' });
  });
});
