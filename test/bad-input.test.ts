import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/** SPEC §3.13 item 8: bad input gets a 4xx with a code and a sentence, and changes nothing. */
describe.each(testDatabases)('bad input on $name', (target) => {
  let app: TestApp;
  let org: string;
  let otherOrg: string;
  let otherGrant: string;
  let orgKey: string;
  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app);
    otherOrg = await seedOrg(app, { name: 'Other' });
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'g', source: 'included', amount: '100' });
    otherGrant = (await app.call('POST', `/v1/orgs/${otherOrg}/grants`, { name: 'secret', source: 'included', amount: '5' })).body.id;
    orgKey = (await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'ops', role: 'owner' })).body.secret;
  });
  afterAll(() => app.close());

  const snapshot = async () => ({
    balance: (await app.call('GET', `/v1/orgs/${org}/balance`)).body,
    events: (await app.call('GET', `/v1/orgs/${org}/events`)).body.data.length,
    grants: (await app.call('GET', `/v1/orgs/${org}/grants`)).body.data.length,
    proof: await app.db.read((q) => proveOrg(q, org)),
  });
  const now = () => app.clock.now().toISOString();
  const event = (over: Record<string, unknown> = {}) => ({ id: `bad-${Math.random()}`, org, meter: 'tokens', quantity: '1', timestamp: now(), ...over });

  const cases: [string, () => Promise<{ status: number; body: any }>, number, string][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['malformed JSON', () => app.call('POST', '/v1/events', '{"events": [', {}), 400, 'invalid_json'],
    ['wrong types', () => app.call('POST', '/v1/events', { events: [event({ quantity: { a: 1 } })] }), 400, 'invalid_request'],
    ['a negative grant amount', () => app.call('POST', `/v1/orgs/${org}/grants`, { name: 'x', source: 'included', amount: '-5' }), 400, 'invalid_amount'],
    ['a negative quantity', () => app.call('POST', '/v1/events', { events: [event({ quantity: '-1' })] }), 400, 'invalid_amount'],
    ['a 7th decimal', () => app.call('POST', `/v1/orgs/${org}/grants`, { name: 'x', source: 'included', amount: '1.0000001' }), 400, 'invalid_amount'],
    ['a 7th decimal in a JSON number', () => app.call('POST', '/v1/events', { events: [event({ quantity: 0.0000001 })] }), 400, 'invalid_amount'],
    ['an unknown meter', () => app.call('POST', '/v1/events', { events: [event({ meter: 'nope' })] }), 422, 'unknown_meter'],
    ['an unknown organization (event)', () => app.call('POST', '/v1/events', { events: [event({ org: 'org_missing' })] }), 404, 'organization_not_found'],
    ['an unknown organization (grant)', () => app.call('POST', '/v1/orgs/org_missing/grants', { name: 'x', source: 'included', amount: '1' }), 404, 'organization_not_found'],
    ['1,001 events', () => app.call('POST', '/v1/events', { events: Array.from({ length: 1001 }, () => event()) }), 400, 'too_many_events'],
    ['a timestamp outside the grace window', () => app.call('POST', '/v1/events', { events: [event({ timestamp: '2026-01-01T00:00:00Z' })] }), 422, 'outside_grace_window'],
    ['a timestamp in the future', () => app.call('POST', '/v1/events', { events: [event({ timestamp: '2026-03-11T00:00:00Z' })] }), 422, 'timestamp_in_future'],
    ['another organization’s grant', () => app.call('GET', `/v1/orgs/${otherOrg}/grants/${otherGrant}`, undefined, { authorization: `Bearer ${orgKey}` }), 404, 'organization_not_found'],
    ['voiding another organization’s grant', () => app.call('POST', `/v1/orgs/${org}/grants/${otherGrant}/void`, {}), 404, 'grant_not_found'],
    ['events for another organization with an org key', () => app.call('POST', '/v1/events', { events: [event({ org: otherOrg })] }, { authorization: `Bearer ${orgKey}` }), 404, 'organization_not_found'],
    ['a disbursement that ends before it starts', () => app.call('POST', `/v1/orgs/${org}/grants`, { name: 'x', source: 'included', disbursements: [{ amount: '1', starts_at: '2026-04-01T00:00:00Z', expires_at: '2026-03-01T00:00:00Z' }] }), 400, 'invalid_request'],
    ['a bad time zone', () => app.call('POST', '/v1/orgs', { name: 'x', timezone: 'Mars/Olympus', credit_factor: '1' }), 400, 'invalid_request'],
    ['no API key', () => app.call('GET', `/v1/orgs/${org}/balance`, undefined, { authorization: '' }), 401, 'unauthorized'],
    ['a wrong API key', () => app.call('GET', `/v1/orgs/${org}/balance`, undefined, { authorization: 'Bearer tk.x.yyyyyyyyyyyyyyyyyyyyyyyy' }), 401, 'unauthorized'],
  ];

  it.each(cases)('%s → %i %s, nothing changed', async (_name, send, status, code) => {
    const before = await snapshot();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message.length).toBeGreaterThan(10);
    expect(res.body.error.request_id).toMatch(/^req_/);
    expect(await snapshot()).toEqual(before);
  });

  it('accepts the good events of a mixed batch and names each rejection', async () => {
    const res = await app.call('POST', '/v1/events', { events: [event(), event({ meter: 'nope' })] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, rejected: 1 });
    expect(res.body.results[1].error.code).toBe('unknown_meter');
  });
});
