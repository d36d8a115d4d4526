import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_KEY, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/**
 * Issue 17: CloudEvents and Stripe-shaped meter events map onto native ingest. The same usage sent
 * three ways — native, CloudEvents, Stripe alias — to three identical organizations leaves the same
 * ledger: same balance, same grant ledger, same rated events.
 */
const T0 = '2026-03-10T12:00:00Z';
const HOUR = 3_600_000;
const ce = 'application/cloudevents+json';
const ceBatch = 'application/cloudevents-batch+json';

interface Usage {
  key: string;
  meter: 'tokens' | 'gpu' | 'runs';
  quantity: string;
  hoursAgo: number;
  member: string | null;
}

const usage: fc.Arbitrary<Usage> = fc.record({
  key: fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'),
  meter: fc.constantFrom('tokens' as const, 'gpu' as const, 'runs' as const),
  quantity: fc.integer({ min: 0, max: 40_000_000 }).map((n) => (n / 1_000_000).toString()),
  hoursAgo: fc.integer({ min: 0, max: 60 }),
  member: fc.constantFrom(null, 'm1', 'm2'),
});

describe.each(testDatabases)('CloudEvents and Stripe-alias ingest on $name', (target) => {
  let app: TestApp;
  let n = 0;

  beforeAll(async () => {
    app = await startTestApp(target, T0);
    await seedOrg(app); // defines the platform meters
    expect((await app.call('PUT', '/v1/meters/tokens', { ...METERS.tokens, value_path: '$.tokens' })).status).toBe(200);
    expect((await app.call('PUT', '/v1/meters/gpu', { ...METERS.gpu, value_path: '$.usage.hours' })).status).toBe(200);
  });
  afterAll(() => app.close());

  /** A CloudEvents request (the shared helper would send it as application/json). */
  async function send(body: unknown, type: string) {
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': type },
      payload: JSON.stringify(body),
    });
    return { status: res.statusCode, body: res.json(), text: res.body };
  }

  const METERS = {
    tokens: { name: 'Tokens', unit: 'tokens', category: 'agent_chat', aggregation: 'sum', unit_price: '1', price_currency: 'credits' },
    gpu: { name: 'GPU hours', unit: 'hours', category: 'training', aggregation: 'sum', unit_price: '2', price_currency: 'usd', resource_class_prices: { a100: '3.5' } },
  };

  async function org(alias: string): Promise<string> {
    const res = await app.call('POST', '/v1/orgs', { name: 'Same', timezone: 'UTC', credit_factor: '1000' });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    await app.call('POST', `/v1/orgs/${id}/grants`, { name: 'Plan', source: 'included', amount: '20000', expires_at: '2026-03-11T00:00:00Z' });
    await app.call('POST', `/v1/orgs/${id}/grants`, { name: 'Pack', source: 'purchased', amount: '15000' });
    const put = await app.call('PUT', `/v1/orgs/${id}/customer-aliases`, { aliases: [alias] });
    expect(put.status).toBe(200);
    return id;
  }

  const at = (u: Usage) => new Date(Date.parse(T0) - u.hoursAgo * HOUR);
  const dataOf = (u: Usage) => (u.meter === 'tokens' ? { tokens: u.quantity } : u.meter === 'gpu' ? { usage: { hours: Number(u.quantity) } } : {});

  /** What a user compares: balance, every grant's ledger, every rated event (ids without their format prefix). */
  async function ledgerOf(orgId: string) {
    const balance = (await app.call('GET', `/v1/orgs/${orgId}/balance`)).body;
    delete balance.as_of;
    const grants = (await app.call('GET', `/v1/orgs/${orgId}/grants?status=all`)).body.data as { id: string; name: string }[];
    const ledgers: Record<string, unknown> = {};
    for (const g of grants) {
      const entries = (await app.call('GET', `/v1/orgs/${orgId}/grants/${g.id}/ledger?limit=1000`)).body.data as Record<string, unknown>[];
      ledgers[g.name] = entries.map((e) => ({ type: e.type, amount: e.amount, balance: e.balance, occurred_at: e.occurred_at, event: String(e.event_id ?? '').replace(/^(src#|stripe#)/, '') }));
    }
    const events = ((await app.call('GET', `/v1/orgs/${orgId}/events?limit=1000`)).body.data as Record<string, unknown>[]).map((e) => ({
      id: String(e.id).replace(/^(src#|stripe#)/, ''),
      meter: e.meter,
      quantity: e.quantity,
      timestamp: e.timestamp,
      user: e.user,
      cost_credits: e.cost_credits,
      overage: e.overage,
    }));
    events.sort((a, b) => a.id.localeCompare(b.id));
    return { balance, ledgers, events };
  }

  it('gives the same ledger as the native format for the same events (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(usage, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }), async (batches) => {
        n++;
        const [native, cloud, stripe] = [await org(`cus_n${n}`), await org(`cus_c${n}`), await org(`cus_s${n}`)];
        for (const batch of batches) {
          const nat = await app.call('POST', '/v1/events', {
            events: batch.map((u) => ({
              id: u.key,
              org: native,
              meter: u.meter,
              quantity: u.meter === 'runs' ? '1' : u.quantity,
              timestamp: at(u).toISOString(),
              ...(u.member ? { user: u.member } : {}),
            })),
          });
          const cloudEvents = batch.map((u) => ({
            specversion: '1.0',
            id: u.key,
            source: 'src',
            type: u.meter,
            // the organization id, an alias, or either with a member
            subject: `${u.key < 'k5' ? `cus_c${n}` : cloud}${u.member ? `/${u.member}` : ''}`,
            time: at(u).toISOString(),
            data: dataOf(u),
          }));
          const cev =
            batch.length === 1
              ? await send(cloudEvents[0], ce)
              : await send(cloudEvents, ceBatch);
          expect(cev.status).toBe(nat.status);
          expect(cev.body).toEqual({ ...nat.body, results: nat.body.results.map((r: { id: string }) => ({ ...r, id: `src#${r.id}` })) });
          for (const u of batch) {
            const form = new URLSearchParams({
              event_name: u.meter,
              identifier: u.key,
              timestamp: String(at(u).getTime() / 1000),
              'payload[stripe_customer_id]': `${u.key < 'k5' ? `cus_s${n}` : stripe}${u.member ? `/${u.member}` : ''}`,
            });
            if (u.meter !== 'runs') form.set('payload[value]', u.quantity);
            const res = await app.server.inject({
              method: 'POST',
              url: '/v1/compat/stripe/meter_events',
              headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
              payload: form.toString(),
            });
            expect(res.statusCode).toBe(200);
          }
        }
        const [a, b, c] = [await ledgerOf(native), await ledgerOf(cloud), await ledgerOf(stripe)];
        expect(b).toEqual(a);
        expect(c).toEqual(a);
        expect(a.events.length).toBe(new Set(batches.flat().map((u) => u.key)).size);
      }),
      { numRuns: target.name === 'pglite' ? 8 : 6 },
    );
  });

  it('answers per event: a bad CloudEvent is rejected beside good ones, as native ingest would', async () => {
    const orgId = await org(`cus_per_event_${target.name}`);
    const res = await send([
        { specversion: '1.0', id: 'ok', source: 'app', type: 'tokens', subject: orgId, time: '2026-03-10T11:00:00Z', data: { tokens: 12 } },
        { specversion: '1.0', id: 'no-qty', source: 'app', type: 'tokens', subject: orgId, data: { prompt: 3 } },
        { specversion: '0.3', id: 'old', source: 'app', type: 'tokens', subject: orgId, data: { tokens: 1 } },
        { specversion: '1.0', id: 'meter', source: 'app', type: 'nope', subject: orgId, data: { tokens: 1 } },
        { specversion: '1.0', id: 'neg', source: 'app', type: 'tokens', subject: orgId, data: { tokens: -2 } },
        { specversion: '1.0', id: 'who', source: 'app', type: 'tokens', subject: 'cus_nobody', data: { tokens: 1 } },
      ],
      ceBatch,
    );
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected).toBe(5);
    const codes = (res.body.results as { id: string; status: string; error?: { code: string; message: string } }[]).map((r) => [r.id, r.error?.code ?? r.status]);
    expect(codes).toEqual([
      ['app#ok', 'accepted'],
      ['app#no-qty', 'invalid_request'],
      ['app#old', 'invalid_request'],
      ['app#meter', 'unknown_meter'],
      ['app#neg', 'invalid_amount'],
      ['app#who', 'organization_not_found'],
    ]);
    expect(res.body.results[1].error.message).toBe('The event has no quantity at $.tokens in its data (the value_path of meter "tokens").');
    const balance = await app.call('GET', `/v1/orgs/${orgId}/balance`);
    expect(balance.body.spent).toBe('12');

    // One event alone that cannot be taken answers 4xx in the error envelope, as native ingest does.
    const one = await send({ specversion: '1.0', id: 'x', source: 'app', type: 'nope', subject: orgId, data: {} }, ce);
    expect(one.status).toBe(422);
    expect(one.body.error.code).toBe('unknown_meter');
    // The batch limit holds too.
    const many = Array.from({ length: 1001 }, (_, i) => ({ specversion: '1.0', id: `m${i}`, source: 'app', type: 'runs', subject: orgId }));
    const tooMany = await send(many, ceBatch);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe('too_many_events');
    // An array sent as a single event is refused with a sentence that says which media type to use.
    const wrong = await send(many.slice(0, 2), ce);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain(ceBatch);
  });

  it('customer aliases: one customer id names one organization; org keys ingest only for their own', async () => {
    const a = await org(`cus_alias_a_${target.name}`);
    const b = await org(`cus_alias_b_${target.name}`);
    const taken = await app.call('PUT', `/v1/orgs/${b}/customer-aliases`, { aliases: [`cus_alias_a_${target.name}`] });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toContain('already names another organization');
    expect((await app.call('GET', `/v1/orgs/${a}/customer-aliases`)).body).toEqual({ aliases: [`cus_alias_a_${target.name}`] });
    const key = await app.call('POST', `/v1/orgs/${b}/api-keys`, { name: 'b', role: 'owner' });
    expect(key.status).toBe(201);
    const res = await app.call(
      'POST',
      '/v1/compat/stripe/meter_events',
      { event_name: 'tokens', identifier: 'i1', payload: { stripe_customer_id: `cus_alias_a_${target.name}`, value: '5' } },
      { authorization: `Bearer ${key.body.secret}` },
    );
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('organization_not_found');
    const own = await app.call(
      'POST',
      '/v1/compat/stripe/meter_events',
      { event_name: 'tokens', identifier: 'i1', payload: { customer_id: `cus_alias_b_${target.name}`, value: '5' } },
      { authorization: `Bearer ${key.body.secret}` },
    );
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ object: 'billing.meter_event', identifier: 'i1', tally: { id: 'stripe#i1', status: 'accepted', cost_credits: '5' } });
    const again = await app.call('POST', '/v1/compat/stripe/meter_events', { event_name: 'tokens', identifier: 'i1', payload: { customer_id: b, value: '5' } });
    expect(again.body.tally.status).toBe('duplicate');
  });
});
