import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/** Bad input → 4xx with a machine-readable code and a human sentence, and nothing changes (SPEC §3.13.8). */
describe.each(testDatabases)('allocation bad input on $name', (target) => {
  let app: TestApp;
  let org: string;
  let pending: string;
  const base = () => `/v1/orgs/${org}`;
  const footprint = async () =>
    app.db.read((q) =>
      rows(
        q,
        sql`select (select count(*) from audit_log where org_id = ${org})::text as audit,
               (select count(*) from ledger_entries where org_id = ${org})::text as ledger,
               (select count(*) from holds where org_id = ${org})::text as holds,
               (select string_agg(status || coalesce(approved_amount::text, ''), ',' order by id) from credit_requests where org_id = ${org}) as requests,
               (select string_agg(id || ':' || coalesce(monthly, -1) || ':' || extra || ':' || group_id, ',' order by id) from members where org_id = ${org}) as members,
               (select string_agg(id || ':' || name || ':' || monthly_allocation || ':' || extra || ':' || auto_approve_reserve, ',' order by id) from groups where org_id = ${org}) as groups,
               (select credits_per_cycle::text || cycle_cadence || credits_per_new_user from org_settings where org_id = ${org}) as settings,
               (select count(*) from api_keys where org_id = ${org})::text as keys,
               (select count(*) from cycles where org_id = ${org})::text as cycles`,
      ),
    );

  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
    org = await seedOrg(app);
    await app.call('POST', `${base()}/grants`, { name: 'Plan', source: 'included', amount: '100' });
    await app.call('PATCH', `${base()}/settings`, { credits_per_cycle: '1000' });
    await app.call('PATCH', `${base()}/groups/grp_default`, { monthly_allocation: '50' });
    await app.call('POST', `${base()}/members`, { id: 'ann', email: 'ann@x.test', name: 'Ann', role: 'member', monthly: '10' });
    pending = (await app.call('POST', `${base()}/requests`, { member: 'ann', amount: '5', reason: 'more' })).body.id;
  });
  afterAll(() => app.close());

  const cases: { name: string; method: 'POST' | 'PATCH' | 'DELETE'; url: () => string; body?: unknown; status: number; code: string }[] = [
    { name: 'negative hold', method: 'POST', url: () => `${base()}/holds`, body: { member: 'ann', amount: '-1' }, status: 400, code: 'invalid_amount' },
    { name: 'over-precise hold', method: 'POST', url: () => `${base()}/holds`, body: { member: 'ann', amount: '1.0000001' }, status: 400, code: 'invalid_amount' },
    { name: 'over-precise JSON number', method: 'POST', url: () => `${base()}/check`, body: { member: 'ann', amount: 0.0000001 }, status: 400, code: 'invalid_amount' },
    { name: 'zero request', method: 'POST', url: () => `${base()}/requests`, body: { member: 'ann', amount: '0', reason: 'x' }, status: 400, code: 'invalid_amount' },
    { name: 'negative monthly', method: 'PATCH', url: () => `${base()}/members/ann`, body: { monthly: '-5' }, status: 400, code: 'invalid_amount' },
    { name: 'negative group allocation', method: 'PATCH', url: () => `${base()}/groups/grp_default`, body: { monthly_allocation: '-5' }, status: 400, code: 'invalid_amount' },
    { name: 'negative credits per cycle', method: 'PATCH', url: () => `${base()}/settings`, body: { credits_per_cycle: '-1' }, status: 400, code: 'invalid_amount' },
    { name: 'unknown cadence', method: 'PATCH', url: () => `${base()}/settings`, body: { cycle_cadence: '2w' }, status: 400, code: 'invalid_request' },
    { name: 'unknown setting', method: 'PATCH', url: () => `${base()}/settings`, body: { credits_per_cycle: '5', colour: 'red' }, status: 400, code: 'invalid_request' },
    { name: 'unknown member (check)', method: 'POST', url: () => `${base()}/check`, body: { member: 'nobody', amount: '1' }, status: 404, code: 'member_not_found' },
    { name: 'unknown member (hold)', method: 'POST', url: () => `${base()}/holds`, body: { member: 'nobody', amount: '1' }, status: 404, code: 'member_not_found' },
    { name: 'unknown member (request)', method: 'POST', url: () => `${base()}/requests`, body: { member: 'nobody', amount: '1', reason: 'x' }, status: 404, code: 'member_not_found' },
    { name: 'unknown member (update)', method: 'PATCH', url: () => `${base()}/members/nobody`, body: { monthly: '1' }, status: 404, code: 'member_not_found' },
    { name: 'unknown group (new member)', method: 'POST', url: () => `${base()}/members`, body: { email: 'z@x.test', name: 'Z', role: 'member', group_id: 'grp_nope' }, status: 404, code: 'group_not_found' },
    { name: 'unknown group (move member)', method: 'PATCH', url: () => `${base()}/members/ann`, body: { group_id: 'grp_nope' }, status: 404, code: 'group_not_found' },
    { name: 'unknown group (update)', method: 'PATCH', url: () => `${base()}/groups/grp_nope`, body: { extra: '1' }, status: 404, code: 'group_not_found' },
    { name: 'unknown hold', method: 'POST', url: () => `${base()}/holds/hld_nope/release`, status: 404, code: 'hold_not_found' },
    { name: 'unknown request', method: 'POST', url: () => `${base()}/requests/req_nope/approve`, body: {}, status: 404, code: 'request_not_found' },
    { name: 'approve more than requested', method: 'POST', url: () => `${base()}/requests/${pending}/approve`, body: { amount: '5.000001' }, status: 422, code: 'amount_exceeds_request' },
    { name: 'delete Default', method: 'DELETE', url: () => `${base()}/groups/grp_default`, status: 422, code: 'default_group_protected' },
    { name: 'duplicate member email', method: 'POST', url: () => `${base()}/members`, body: { email: 'ANN@x.test', name: 'Ann 2', role: 'member' }, status: 409, code: 'already_exists' },
    { name: 'duplicate group name', method: 'POST', url: () => `${base()}/groups`, body: { name: 'default' }, status: 409, code: 'already_exists' },
    { name: 'allocation over the group budget', method: 'PATCH', url: () => `${base()}/members/ann`, body: { monthly: '50.000001' }, status: 422, code: 'allocation_exceeds_budget' },
    { name: 'hold above the allocation', method: 'POST', url: () => `${base()}/holds`, body: { member: 'ann', amount: '10.000001' }, status: 422, code: 'insufficient_credits' },
    { name: 'hold expiring in the past', method: 'POST', url: () => `${base()}/holds`, body: { member: 'ann', amount: '1', expires_at: '2026-03-10T11:00:00Z' }, status: 400, code: 'invalid_request' },
    { name: 'member key without a member', method: 'POST', url: () => `${base()}/api-keys`, body: { name: 'k', role: 'member' }, status: 400, code: 'invalid_request' },
    { name: 'key for an unknown member', method: 'POST', url: () => `${base()}/api-keys`, body: { name: 'k', role: 'manager', member: 'nobody' }, status: 404, code: 'member_not_found' },
    { name: 'not JSON', method: 'POST', url: () => `${base()}/requests`, body: '{"member": ', status: 400, code: 'invalid_json' },
  ];

  it.each(cases)('$name', async ({ method, url, body, status, code }) => {
    const before = await footprint();
    const res = await app.call(method, url(), body);
    expect(res.status, res.text).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message.length).toBeGreaterThan(10);
    expect(await footprint()).toEqual(before);
  });
});
