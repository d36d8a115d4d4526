import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { findUnsafeText, MAX_AMOUNT } from '../src/http/schemas.js';
import { parseMicro } from '../src/domain/money.js';
import { seedOrg, startTestApp, TEST_METERS, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/** Issue 11: input PostgreSQL would refuse, and Fastify's own errors, end as 4xx in the envelope. */
describe('where unstorable text is reported', () => {
  it('names the first string or key holding a NUL or a lone surrogate, as a path', () => {
    expect(findUnsafeText({ a: 'ok', b: [1, 'x', { c: 'bad\u0000' }] }, 'body')).toBe('body.b[2].c');
    expect(findUnsafeText({ a: { 'k\uD800': 1 } })).toBe('a.k\uD800');
    expect(findUnsafeText(['fine', '\uDC00'])).toBe('[1]');
    expect(findUnsafeText('\u0000')).toBe('value');
    expect(findUnsafeText('\u0000', 'Idempotency-Key')).toBe('Idempotency-Key');
    expect(findUnsafeText({ a: ['😀', { b: 'é' }], n: null, t: true }, 'body')).toBeUndefined();
  });
});

describe.each(testDatabases)('edge validation on $name', (target) => {
  let app: TestApp;
  let org: string;
  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'g', source: 'included', amount: '100' });
  });
  afterAll(() => app.close());

  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const raw = (method: 'GET' | 'POST', url: string, payload: string, headers: Record<string, string> = {}) =>
    app.server.inject({ method, url, payload, headers: { authorization: 'Bearer tp_test-platform-key-0123456789abcdef', ...headers } });

  const cases: [string, () => Promise<{ status: number; body: any }>, number, string][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['NUL in a grant name', () => app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a\u0000b', source: 'included', amount: '1' }), 400, 'invalid_text'],
    ['a lone surrogate in a grant name', () => app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a\ud800', source: 'included', amount: '1' }), 400, 'invalid_text'],
    ['NUL in a path parameter', () => app.call('GET', `/v1/orgs/${org}/grants/grt%00x`), 400, 'invalid_text'],
    ['NUL in a query parameter', () => app.call('GET', `/v1/orgs/${org}/events?user=%00`), 400, 'invalid_text'],
    ['a lone surrogate in an Idempotency-Key', () => app.call('POST', `/v1/orgs/${org}/grants`, { name: 'x', source: 'included', amount: '1' }, { 'idempotency-key': 'k\u0000' }), 400, 'invalid_text'],
    ['an amount past the maximum', () => app.call('POST', `/v1/orgs/${org}/grants`, { name: 'x', source: 'included', amount: '99999999999999999999' }), 400, 'invalid_amount'],
    ['a crafted events cursor', () => app.call('GET', `/v1/orgs/${org}/events?cursor=${b64({ t: 'x', id: 'y' })}`), 400, 'invalid_cursor'],
    ['a NUL cursor', () => app.call('GET', `/v1/orgs/${org}/events?cursor=%00`), 400, 'invalid_text'],
    ['a cursor that is not base64', () => app.call('GET', `/v1/orgs/${org}/events?cursor=!!`), 400, 'invalid_request'],
    ['a date before 1970', () => app.call('GET', `/v1/orgs/${org}/events?from=0000-01-01T00:00:00Z`), 400, 'invalid_request'],
    ['a path parameter over 100 characters', () => app.call('GET', `/v1/orgs/${'o'.repeat(150)}/balance`), 400, 'invalid_request'],
    ['a body over 8 MiB', () => raw('POST', `/v1/orgs/${org}/grants`, JSON.stringify({ name: 'x'.repeat(9 * 1024 * 1024) }), { 'content-type': 'application/json' }).then((r) => ({ status: r.statusCode, body: r.json() })), 413, 'payload_too_large'],
    ['an unsupported media type', () => raw('POST', `/v1/orgs/${org}/grants`, 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }).then((r) => ({ status: r.statusCode, body: r.json() })), 415, 'unsupported_media_type'],
    ['an empty JSON body', () => raw('POST', `/v1/orgs/${org}/grants`, '', { 'content-type': 'application/json' }).then((r) => ({ status: r.statusCode, body: r.json() })), 400, 'invalid_json'],
    ['bad JSON', () => raw('POST', `/v1/orgs/${org}/grants`, '{"name":', { 'content-type': 'application/json' }).then((r) => ({ status: r.statusCode, body: r.json() })), 400, 'invalid_json'],
    ...['grants', 'events', 'audit', 'notifications', 'webhooks', 'purchases', 'meters'].map(
      (list) => [`listing ${list} of an unknown organization`, () => app.call('GET', `/v1/orgs/-1/${list}`), 404, 'organization_not_found'] as [string, () => Promise<{ status: number; body: any }>, number, string], // eslint-disable-line @typescript-eslint/no-explicit-any
    ),
  ];

  it.each(cases)('%s: refused in the envelope, nothing changed', async (_name, send, status, code) => {
    const before = await app.db.read((q) => proveOrg(q, org));
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message.length).toBeGreaterThan(10);
    expect(res.body.error.request_id).toMatch(/^req_/);
    expect(await app.db.read((q) => proveOrg(q, org))).toEqual(before);
  });

  it('takes the largest amount and states it in the OpenAPI document', async () => {
    const res = await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'max', source: 'included', amount: MAX_AMOUNT });
    expect(res.status).toBe(201);
    const doc = JSON.stringify((await app.call('GET', '/v1/openapi.json')).body);
    expect(doc).toContain(`at most ${MAX_AMOUNT} in absolute value`);
  });

  it('a cursor Tally gave out still pages', async () => {
    const first = await app.call('GET', `/v1/orgs/${org}/audit?limit=1`);
    expect(first.status).toBe(200);
    const now = app.clock.now().toISOString();
    await app.call('POST', '/v1/events', { events: [1, 2, 3].map((n) => ({ id: `cur-${n}`, org, meter: 'tokens', quantity: '1', timestamp: now })) });
    const page1 = await app.call('GET', `/v1/orgs/${org}/events?limit=2`);
    expect(page1.body.data).toHaveLength(2);
    const page2 = await app.call('GET', `/v1/orgs/${org}/events?limit=2&cursor=${page1.body.next_cursor}`);
    expect(page2.status).toBe(200);
    expect(page2.body.data).toHaveLength(1);
  });
});

describe.each(testDatabases)('one bad event of a batch on $name', (target) => {
  let app: TestApp;
  let org: string;
  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'g', source: 'included', amount: '100' });
  });
  afterAll(() => app.close());

  const event = (id: string, over: Record<string, unknown> = {}) => ({ id, org, meter: 'tokens', quantity: '2', timestamp: app.clock.now().toISOString(), ...over });

  it.each([
    ['a NUL in user', { user: 'a\u0000b' }, 'invalid_text'],
    ['a lone surrogate in properties', { properties: { note: '\ud800' } }, 'invalid_text'],
    ['an overflowing quantity', { quantity: '99999999999999999999' }, 'invalid_amount'],
    ['a wrong type', { quantity: { a: 1 } }, 'invalid_request'],
  ])('%s is rejected alone, the good events are taken', async (name, over, code) => {
    const good1 = `good1-${name}`;
    const good2 = `good2-${name}`;
    const res = await app.call('POST', '/v1/events', { events: [event(good1), event(`bad-${name}`, over), event(good2)] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 1 });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(res.body.results[1].error.code).toBe(code);
    expect(res.body.results[1].error.message).toMatch(/events\[1\]/);
    const listed = await app.call('GET', `/v1/orgs/${org}/events?limit=1000`);
    const ids = listed.body.data.map((e: { id: string }) => e.id);
    expect(ids).toContain(good1);
    expect(ids).toContain(good2);
    expect(ids).not.toContain(`bad-${name}`);
    // a retry of the same batch: the good ones are duplicates, the bad one still rejected, nothing fails
    const again = await app.call('POST', '/v1/events', { events: [event(good1), event(`bad-${name}`, over), event(good2)] });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 2, rejected: 1 });
  });

  it('an event whose cost (quantity × price) overflows is rejected alone, the good events are taken', async () => {
    const meter = await app.call('PUT', '/v1/meters/pricey', { ...TEST_METERS.tokens, name: 'Pricey', unit_price: '1000000000000' });
    expect(meter.status).toBeLessThan(300);
    const before = await app.call('GET', `/v1/orgs/${org}/balance`);
    const res = await app.call('POST', '/v1/events', {
      events: [event('cost-ok-1'), event('cost-huge', { meter: 'pricey', quantity: '1000000000000' }), event('cost-ok-2')],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 1 });
    expect(res.body.results[1]).toMatchObject({ id: 'cost-huge', status: 'rejected', error: { code: 'invalid_amount' } });
    expect(res.body.results[1].error.message).toMatch(/largest amount Tally records/);
    const after = await app.call('GET', `/v1/orgs/${org}/balance`);
    // only the two good events (2 tokens at 1 credit each) were drawn
    expect(parseMicro(before.body.available) - parseMicro(after.body.available)).toBe(4_000_000n);
  });

  it('a schema-rejected event beside one the service rejects: 4xx naming both', async () => {
    const res = await app.call('POST', '/v1/events', { events: [event('x1', { meter: 'nope' }), event('x2', { user: '\u0000' })] });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('events_rejected');
    expect(res.body.error.details.results.map((r: { error: { code: string } }) => r.error.code)).toEqual(['unknown_meter', 'invalid_text']);
  });
});
