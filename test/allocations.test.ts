import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/**
 * The Credits & Allocations screen of reference 003: a Default group with
 * members, monthly allocation, extra, distributed, available, auto-approve
 * and credit requests, every figure read back through the API.
 */
describe.each(testDatabases)('allocations on $name', (target) => {
  let app: TestApp;
  let org: string;
  const base = () => `/v1/orgs/${org}`;

  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
    org = await seedOrg(app);
    await app.call('POST', `${base()}/grants`, { name: 'Plan', source: 'included', amount: '10000' });
  });
  afterAll(() => app.close());

  const defaultGroup = async () => {
    const res = await app.call('GET', `${base()}/allocations`);
    expect(res.status).toBe(200);
    return res.body.groups.find((g: { name: string }) => g.name === 'Default');
  };

  it('creates the Default group with the organization', async () => {
    const groups = await app.call('GET', `${base()}/groups`);
    expect(groups.status).toBe(200);
    expect(groups.body.data.map((g: { name: string }) => g.name)).toEqual(['Default']);
    expect(groups.body.data[0]).toMatchObject({ is_default: true, members: 0, monthly_allocation: '0', available: '0' });
  });

  it('computes distributed and available from members and usage', async () => {
    expect((await app.call('PATCH', `${base()}/groups/grp_default`, { monthly_allocation: '1000', extra: '50' })).status).toBe(200);
    const ann = await app.call('POST', `${base()}/members`, { id: 'ann', email: 'Ann@example.com', name: 'Ann Lee', role: 'member', monthly: '300' });
    expect(ann.status).toBe(201);
    expect(ann.body).toMatchObject({ group_id: 'grp_default', monthly: '300', extra: '0', used: '0', remaining: '300' });
    const bob = await app.call('POST', `${base()}/members`, { id: 'bob', email: 'bob@example.com', name: 'Bob Stone', role: 'member' });
    expect(bob.body).toMatchObject({ monthly: null, remaining: '750' });

    // Bob (pooled) uses 40, Ann (individual) uses 25, an unknown user uses 5.
    const ev = await app.call('POST', '/v1/events', {
      events: [
        { id: eventId(), org, meter: 'tokens', quantity: '40', timestamp: '2026-03-10T11:00:00Z', user: 'bob' },
        { id: eventId(), org, meter: 'tokens', quantity: '25', timestamp: '2026-03-10T11:30:00Z', user: 'ann' },
        { id: eventId(), org, meter: 'tokens', quantity: '5', timestamp: '2026-03-10T11:40:00Z', user: 'someone-else' },
      ],
    });
    expect(ev.status).toBe(200);
    const g = await defaultGroup();
    // distributed = Ann's 300; available = 1000 + 50 − 300 − Bob's 40
    expect(g).toMatchObject({ members: 2, monthly_allocation: '1000', extra: '50', distributed: '300', available: '710', used: '65' });
    expect((await app.call('GET', `${base()}/members/ann`)).body).toMatchObject({ used: '25', remaining: '275' });
    expect((await app.call('GET', `${base()}/members/bob`)).body).toMatchObject({ used: '40', remaining: '710' });
    const cycle = await app.call('GET', `${base()}/cycle`);
    expect(cycle.body).toMatchObject({ used: '70', cadence: 'calendar_month', starts_at: '2026-03-01T00:00:00.000Z' });
  });

  it('editing a member monthly allocation updates distributed and available', async () => {
    const res = await app.call('PATCH', `${base()}/members/ann`, { monthly: '450' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ monthly: '450', remaining: '425' });
    expect(await defaultGroup()).toMatchObject({ distributed: '450', available: '560' });
  });

  it('refuses a save that would make the group available negative, changing nothing', async () => {
    const res = await app.call('PATCH', `${base()}/members/ann`, { monthly: '1100' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('allocation_exceeds_budget');
    expect(res.body.error.details.limit).toBe('group');
    expect((await app.call('GET', `${base()}/members/ann`)).body.monthly).toBe('450');
    const shrink = await app.call('PATCH', `${base()}/groups/grp_default`, { monthly_allocation: '100' });
    expect(shrink.status).toBe(422);
    expect(await defaultGroup()).toMatchObject({ monthly_allocation: '1000', available: '560' });
  });

  it('with auto-approve 0 every request is pending; approval adds to extra', async () => {
    const r = await app.call('POST', `${base()}/requests`, { member: 'ann', amount: '20', reason: 'big run' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'pending', requester_name: 'Ann Lee', requester_email: 'Ann@example.com', approved_amount: null });
    const tooMuch = await app.call('POST', `${base()}/requests/${r.body.id}/approve`, { amount: '21' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('amount_exceeds_request');
    const ok = await app.call('POST', `${base()}/requests/${r.body.id}/approve`, { amount: '15', note: 'half-ish' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'approved', approved_amount: '15', note: 'half-ish', decided_by: 'platform' });
    expect((await app.call('GET', `${base()}/members/ann`)).body).toMatchObject({ extra: '15', remaining: '440' });
    expect(await defaultGroup()).toMatchObject({ distributed: '465', available: '545' });
    const again = await app.call('POST', `${base()}/requests/${r.body.id}/deny`, {});
    expect(again.status).toBe(409);
    const denied = await app.call('POST', `${base()}/requests`, { member: 'bob', amount: '5', reason: 'x' });
    expect((await app.call('POST', `${base()}/requests/${denied.body.id}/deny`, { note: 'no' })).body).toMatchObject({ status: 'denied', note: 'no' });
  });

  it('with auto-approve > 0 requests are auto-approved until the reserve is used up', async () => {
    await app.call('PATCH', `${base()}/groups/grp_default`, { auto_approve_reserve: '30' });
    const a = await app.call('POST', `${base()}/requests`, { member: 'bob', amount: '20', reason: 'a' });
    expect(a.body).toMatchObject({ status: 'auto_approved', approved_amount: '20', decided_by: 'auto' });
    const b = await app.call('POST', `${base()}/requests`, { member: 'bob', amount: '10', reason: 'b' });
    expect(b.body.status).toBe('auto_approved');
    const c = await app.call('POST', `${base()}/requests`, { member: 'bob', amount: '0.000001', reason: 'c' });
    expect(c.body.status).toBe('pending');
    expect(await defaultGroup()).toMatchObject({ auto_approve_reserve: '30', auto_approve_remaining: '0' });
    const list = await app.call('GET', `${base()}/requests?status=auto_approved`);
    expect(list.body.data.map((x: { id: string }) => x.id)).toEqual([b.body.id, a.body.id]);
    const pending = await app.call('GET', `${base()}/requests?status=pending`);
    expect(pending.body.data).toHaveLength(1);
  });

  it('replays a credit request with the same Idempotency-Key', async () => {
    const key = { 'idempotency-key': 'req-1' };
    const a = await app.call('POST', `${base()}/requests`, { member: 'ann', amount: '1', reason: 'once' }, key);
    const b = await app.call('POST', `${base()}/requests`, { member: 'ann', amount: '1', reason: 'once' }, key);
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    const all = await app.call('GET', `${base()}/requests?limit=1000`);
    expect(all.body.data.filter((r: { reason: string }) => r.reason === 'once')).toHaveLength(1);
    const other = await app.call('POST', `${base()}/requests`, { member: 'ann', amount: '2', reason: 'once' }, key);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('searches members case-insensitively and paginates', async () => {
    for (let i = 0; i < 3; i++) {
      await app.call('POST', `${base()}/members`, { id: `m${i}`, email: `user${i}@corp.test`, name: `Carol ${i}`, role: 'member' });
    }
    const search = await app.call('GET', `${base()}/members?search=CAROL&limit=2`);
    expect(search.body.data.map((m: { id: string }) => m.id)).toEqual(['m0', 'm1']);
    const next = await app.call('GET', `${base()}/members?search=carol&limit=2&cursor=${search.body.next_cursor}`);
    expect(next.body.data.map((m: { id: string }) => m.id)).toEqual(['m2']);
    expect(next.body.next_cursor).toBeNull();
    const byEmail = await app.call('GET', `${base()}/members?search=ANN@EXAMPLE`);
    expect(byEmail.body.data.map((m: { id: string }) => m.id)).toEqual(['ann']);
    expect((await app.call('GET', `${base()}/allocations`)).body.seats).toBe(5);
  });

  it('gives signup credits as extra and moves members to Default when their group is deleted', async () => {
    await app.call('PATCH', `${base()}/settings`, { credits_per_new_user: '7.5' });
    const team = await app.call('POST', `${base()}/groups`, { name: 'Research', monthly_allocation: '200' });
    expect(team.status).toBe(201);
    const dan = await app.call('POST', `${base()}/members`, { id: 'dan', email: 'dan@x.test', name: 'Dan', role: 'member', group_id: team.body.id });
    expect(dan.body).toMatchObject({ extra: '7.5', group_id: team.body.id, remaining: '200' });
    const del = await app.call('DELETE', `${base()}/groups/${team.body.id}`);
    expect(del.status).toBe(200);
    expect((await app.call('GET', `${base()}/members/dan`)).body.group_id).toBe('grp_default');
    const delDefault = await app.call('DELETE', `${base()}/groups/grp_default`);
    expect(delDefault.status).toBe(422);
    expect(delDefault.body.error.code).toBe('default_group_protected');
  });

  it('refuses an approval the group cannot cover, leaving the request pending', async () => {
    const big = await app.call('POST', `${base()}/requests`, { member: 'bob', amount: '100000', reason: 'huge' });
    expect(big.body.status).toBe('pending');
    const before = await defaultGroup();
    const res = await app.call('POST', `${base()}/requests/${big.body.id}/approve`, {});
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'allocation_exceeds_budget', details: { limit: 'group' } });
    // the sentence names the amount as a person reads it (thousands grouped), the details keep it exact
    expect(res.body.error.message).toMatch(/ with -\d{1,3}(,\d{3})+(\.\d+)? credits available;/);
    expect(res.body.error.details.available).toMatch(/^-\d{4,}(\.\d+)?$/);
    expect(await defaultGroup()).toEqual(before);
    const still = await app.call('GET', `${base()}/requests?status=pending&limit=100`);
    expect(still.body.data.map((r: { id: string }) => r.id)).toContain(big.body.id);
  });

  it('writes audit entries for changes, grants included', async () => {
    expect((await app.call('PATCH', `/v1/orgs/${org}`, { name: 'Acme Labs' })).status).toBe(200);
    const audit = await app.call('GET', `${base()}/audit?limit=1000`);
    expect(audit.status).toBe(200);
    const actions = new Set(audit.body.data.map((a: { action: string }) => a.action));
    for (const a of ['grant.create', 'group.update', 'member.create', 'member.update', 'request.approve', 'request.deny', 'request.auto_approve', 'settings.update', 'group.delete', 'org.update']) {
      expect(actions).toContain(a);
    }
    const upd = await app.call('GET', `${base()}/audit?action=member.update`);
    expect(upd.body.data[0]).toMatchObject({ actor: 'platform', target: 'ann' });
    expect(upd.body.data[0].before.monthly).toBe('300');
    expect(upd.body.data[0].after.monthly).toBe('450');
  });
});

describe.each(testDatabases)('allocations OpenAPI on $name', (target) => {
  it('documents every allocation endpoint', async () => {
    const app = await startTestApp(target);
    try {
      const doc = await app.call('GET', '/v1/openapi.json');
      expect(doc.status).toBe(200);
      const paths = Object.keys(doc.body.paths);
      for (const p of [
        '/v1/orgs/{org}/settings',
        '/v1/orgs/{org}/cycle',
        '/v1/orgs/{org}/cycle/reset',
        '/v1/orgs/{org}/cycles',
        '/v1/orgs/{org}/groups/{group}',
        '/v1/orgs/{org}/members/{member}',
        '/v1/orgs/{org}/allocations',
        '/v1/orgs/{org}/check',
        '/v1/orgs/{org}/holds/{hold}/capture',
        '/v1/orgs/{org}/requests/{id}/approve',
        '/v1/orgs/{org}/audit',
      ]) {
        expect(paths).toContain(p);
      }
    } finally {
      await app.close();
    }
  });
});
