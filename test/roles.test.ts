import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

type Who = 'owner' | 'billing_admin' | 'manager' | 'member';
const WHO: Who[] = ['owner', 'billing_admin', 'manager', 'member'];
interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
}

/**
 * SPEC §1 role matrix: each role × each endpoint family → allowed or 403
 * (and nothing changed); another organization's key → 404 everywhere.
 * The member key acts as g1 (in group Team), the manager key as mgr (who
 * manages Team); d1 sits in Default.
 */
describe.each(testDatabases)('roles on $name', (target) => {
  let app: TestApp;
  let org: string;
  let other: string;
  let team: string;
  const keys = {} as Record<Who | 'other', string>;
  let n = 0;
  const uniq = () => `${++n}`;
  const base = () => `/v1/orgs/${org}`;
  const as = (who: Who | 'other', c: Call) => app.call(c.method, c.url, c.body, { authorization: `Bearer ${keys[who]}` });
  const fresh = async (path: string, body: unknown) => {
    const res = await app.call('POST', `${base()}${path}`, body);
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  };
  const footprint = async () => {
    const [r] = await app.db.read((q) =>
      rows<{ a: bigint; l: bigint; m: string }>(
        q,
        sql`select (select count(*) from audit_log where org_id = ${org})::bigint as a,
               (select count(*) from ledger_entries where org_id = ${org})::bigint as l,
               (select string_agg(id || ':' || coalesce(monthly, -1) || ':' || extra || ':' || role || ':' || group_id, ',' order by id) from members where org_id = ${org}) as m`,
      ),
    );
    return r;
  };

  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
    org = await seedOrg(app);
    other = await seedOrg(app, { name: 'Other' });
    await app.call('POST', `${base()}/grants`, { name: 'Plan', source: 'included', amount: '1000' });
    await app.call('PATCH', `${base()}/groups/grp_default`, { monthly_allocation: '1000' });
    team = await fresh('/groups', { name: 'Team', monthly_allocation: '1000' });
    const people: [string, string, string | undefined, string[]][] = [
      ['own', 'owner', undefined, []],
      ['ba', 'billing_admin', undefined, []],
      ['mgr', 'manager', undefined, [team]],
      ['g1', 'member', team, []],
      ['d1', 'member', undefined, []],
    ];
    for (const [id, role, group, managed] of people) {
      await fresh('/members', { id, email: `${id}@a.test`, name: id, role, group_id: group, managed_group_ids: managed });
    }
    const byRole: Record<Who, string> = { owner: 'own', billing_admin: 'ba', manager: 'mgr', member: 'g1' };
    for (const who of WHO) {
      const k = await app.call('POST', `${base()}/api-keys`, { name: who, role: who, member: byRole[who] });
      keys[who] = k.body.secret;
    }
    await app.call('POST', `/v1/orgs/${other}/members`, { id: 'b1', email: 'b1@b.test', name: 'b1', role: 'member' });
    keys.other = (await app.call('POST', `/v1/orgs/${other}/api-keys`, { name: 'o', role: 'owner' })).body.secret;
  });
  afterAll(() => app.close());

  const A = 200;
  const C = 201;
  const F = 403;
  const rowsOf: { family: string; call: () => Promise<Call>; expect: [number, number, number, number] }[] = [
    { family: 'settings read', call: async () => ({ method: 'GET', url: `${base()}/settings` }), expect: [A, A, A, A] },
    { family: 'settings write', call: async () => ({ method: 'PATCH', url: `${base()}/settings`, body: { credits_per_new_user: '0' } }), expect: [A, A, F, F] },
    { family: 'cycle read', call: async () => ({ method: 'GET', url: `${base()}/cycle` }), expect: [A, A, A, F] },
    { family: 'cycle history', call: async () => ({ method: 'GET', url: `${base()}/cycles` }), expect: [A, A, A, F] },
    { family: 'cycle reset', call: async () => ({ method: 'POST', url: `${base()}/cycle/reset` }), expect: [A, A, F, F] },
    { family: 'group create', call: async () => ({ method: 'POST', url: `${base()}/groups`, body: { name: `G${uniq()}` } }), expect: [C, C, F, F] },
    { family: 'group list', call: async () => ({ method: 'GET', url: `${base()}/groups` }), expect: [A, A, A, F] },
    { family: 'group read (managed)', call: async () => ({ method: 'GET', url: `${base()}/groups/${team}` }), expect: [A, A, A, F] },
    { family: 'group read (not managed)', call: async () => ({ method: 'GET', url: `${base()}/groups/grp_default` }), expect: [A, A, F, F] },
    { family: 'group update', call: async () => ({ method: 'PATCH', url: `${base()}/groups/${team}`, body: { auto_approve_reserve: '0' } }), expect: [A, A, F, F] },
    { family: 'group delete', call: async () => ({ method: 'DELETE', url: `${base()}/groups/${await fresh('/groups', { name: `D${uniq()}` })}` }), expect: [A, A, F, F] },
    { family: 'allocations overview', call: async () => ({ method: 'GET', url: `${base()}/allocations` }), expect: [A, A, A, F] },
    { family: 'member list', call: async () => ({ method: 'GET', url: `${base()}/members` }), expect: [A, A, A, A] },
    { family: 'member read (self / managed)', call: async () => ({ method: 'GET', url: `${base()}/members/g1` }), expect: [A, A, A, A] },
    { family: 'member read (other group)', call: async () => ({ method: 'GET', url: `${base()}/members/d1` }), expect: [A, A, F, F] },
    { family: 'member create', call: async () => ({ method: 'POST', url: `${base()}/members`, body: { email: `n${uniq()}@a.test`, name: 'n', role: 'member' } }), expect: [C, C, F, F] },
    { family: 'member create as billing admin', call: async () => ({ method: 'POST', url: `${base()}/members`, body: { email: `p${uniq()}@a.test`, name: 'p', role: 'billing_admin' } }), expect: [C, F, F, F] },
    { family: 'member allocation (managed)', call: async () => ({ method: 'PATCH', url: `${base()}/members/g1`, body: { monthly: '10' } }), expect: [A, A, A, F] },
    { family: 'member allocation (not managed)', call: async () => ({ method: 'PATCH', url: `${base()}/members/d1`, body: { monthly: '10' } }), expect: [A, A, F, F] },
    { family: 'member profile (self)', call: async () => ({ method: 'PATCH', url: `${base()}/members/g1`, body: { name: `g1 ${uniq()}` } }), expect: [A, A, F, A] },
    { family: 'member role to billing admin', call: async () => ({ method: 'PATCH', url: `${base()}/members/${await fresh('/members', { email: `r${uniq()}@a.test`, name: 'r', role: 'member' })}`, body: { role: 'billing_admin' } }), expect: [A, F, F, F] },
    { family: 'owner record (billing admin may not touch it)', call: async () => ({ method: 'PATCH', url: `${base()}/members/own`, body: { role: 'owner', name: `own ${uniq()}` } }), expect: [A, F, F, F] },
    { family: 'member group change', call: async () => ({ method: 'PATCH', url: `${base()}/members/${await fresh('/members', { email: `c${uniq()}@a.test`, name: 'c', role: 'member', group_id: team })}`, body: { group_id: 'grp_default' } }), expect: [A, A, F, F] },
    { family: 'member delete', call: async () => ({ method: 'DELETE', url: `${base()}/members/${await fresh('/members', { email: `x${uniq()}@a.test`, name: 'x', role: 'member' })}` }), expect: [A, A, F, F] },
    { family: 'check (self / managed)', call: async () => ({ method: 'POST', url: `${base()}/check`, body: { member: 'g1', amount: '1' } }), expect: [A, A, A, A] },
    { family: 'check (other member)', call: async () => ({ method: 'POST', url: `${base()}/check`, body: { member: 'd1', amount: '1' } }), expect: [A, A, F, F] },
    { family: 'hold (self / managed)', call: async () => ({ method: 'POST', url: `${base()}/holds`, body: { member: 'g1', amount: '0.000001' } }), expect: [C, C, C, C] },
    { family: 'hold (other member)', call: async () => ({ method: 'POST', url: `${base()}/holds`, body: { member: 'd1', amount: '0.000001' } }), expect: [C, C, F, F] },
    { family: 'hold release (other member)', call: async () => ({ method: 'POST', url: `${base()}/holds/${await fresh('/holds', { member: 'd1', amount: '0.000001' })}/release` }), expect: [A, A, F, F] },
    { family: 'hold list', call: async () => ({ method: 'GET', url: `${base()}/holds` }), expect: [A, A, A, A] },
    { family: 'request (self / managed)', call: async () => ({ method: 'POST', url: `${base()}/requests`, body: { member: 'g1', amount: '1', reason: 'r' } }), expect: [C, C, C, C] },
    { family: 'request (other member)', call: async () => ({ method: 'POST', url: `${base()}/requests`, body: { member: 'd1', amount: '1', reason: 'r' } }), expect: [C, C, F, F] },
    { family: 'request list', call: async () => ({ method: 'GET', url: `${base()}/requests` }), expect: [A, A, A, A] },
    { family: 'approve (managed)', call: async () => ({ method: 'POST', url: `${base()}/requests/${await fresh('/requests', { member: 'g1', amount: '1', reason: 'r' })}/approve`, body: {} }), expect: [A, A, A, F] },
    { family: 'approve (not managed)', call: async () => ({ method: 'POST', url: `${base()}/requests/${await fresh('/requests', { member: 'd1', amount: '1', reason: 'r' })}/approve`, body: {} }), expect: [A, A, F, F] },
    { family: 'deny (own request)', call: async () => ({ method: 'POST', url: `${base()}/requests/${await fresh('/requests', { member: 'g1', amount: '1', reason: 'r' })}/deny`, body: {} }), expect: [A, A, A, F] },
    { family: 'audit', call: async () => ({ method: 'GET', url: `${base()}/audit` }), expect: [A, A, F, F] },
  ];

  it.each(rowsOf)('$family', async ({ call, expect: want }) => {
    for (const [i, who] of WHO.entries()) {
      const c = await call();
      const before = want[i] === F ? await footprint() : undefined;
      const res = await as(who, c);
      expect(res.status, `${who} ${c.method} ${c.url}: ${res.text}`).toBe(want[i]);
      if (before) {
        expect(res.body.error.code).toBe('forbidden');
        expect(await footprint()).toEqual(before);
      }
    }
    const c = await call();
    const before = await footprint();
    const leak = await as('other', c);
    expect(leak.status, `other org ${c.method} ${c.url}: ${leak.text}`).toBe(404);
    expect(leak.text).not.toContain('g1@a.test');
    expect(await footprint()).toEqual(before);
  });

  it('scopes lists: a member sees only themselves, a manager their groups and themselves', async () => {
    const ids = async (who: Who, url: string) => (await as(who, { method: 'GET', url })).body.data.map((x: { id: string }) => x.id);
    expect(await ids('member', `${base()}/members`)).toEqual(['g1']);
    expect((await ids('manager', `${base()}/members?limit=1000`)).sort()).toEqual(
      (await ids('owner', `${base()}/members?group=${team}&limit=1000`)).concat('mgr').sort(),
    );
    expect(await ids('manager', `${base()}/groups`)).toEqual([team]);
    const mine = (await as('member', { method: 'GET', url: `${base()}/requests?limit=1000` })).body.data;
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((r: { member: string }) => r.member))).toEqual(new Set(['g1']));
    const holds = (await as('member', { method: 'GET', url: `${base()}/holds?limit=1000` })).body.data;
    expect(new Set(holds.map((h: { member: string }) => h.member))).toEqual(new Set(['g1']));
  });

  it("answers 404 for another organization's member, never its data", async () => {
    const res = await as('owner', { method: 'GET', url: `/v1/orgs/${other}/members/b1` });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('b1@b.test');
    const mine = await as('owner', { method: 'GET', url: `${base()}/members/b1` });
    expect(mine.status).toBe(404);
    expect(mine.body.error.code).toBe('member_not_found');
  });
});
