import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { can, type Role } from '../src/http/auth.js';
import { ROLES as POLICY_ROLES } from '../src/domain/policy.js';
import type { Access } from '../src/http/contract.js';
import { homeOf, may } from '../web/src/roles.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/**
 * Issue 11: every route, by every kind of caller. Without a key → 401; with another organization's key
 * → 404 organization_not_found; with each role's key → the capability's answer (a role without it
 * gets 403 from authorize, and nothing changes). The routes and their capabilities are the server's
 * own route contracts (defineRoute, issue 18), so a new route cannot escape this suite; the first test
 * checks they are exactly the operations of the OpenAPI document.
 */
const ROLES = [...POLICY_ROLES];
const CAPABILITY_REFUSAL = /^Your role may not do this \(/;

describe.each(testDatabases)('security over every route on $name', (target) => {
  let app: TestApp;
  let org: string;
  const operations: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: string }[] = [];
  let documented: string[] = [];
  const CAPABILITY: Record<string, Access> = {};
  const keys = {} as Record<Role | 'other', string>;
  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app);
    const other = await seedOrg(app, { name: 'Other' });
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'g', source: 'included', amount: '100' });
    for (const role of ROLES) {
      const member = role === 'owner' || role === 'billing_admin' ? undefined
        : (await app.call('POST', `/v1/orgs/${org}/members`, { id: `m_${role}`, email: `${role}@a.test`, name: role, role })).body.id;
      const made = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: role, role, member });
      expect(made.status, made.text).toBe(201);
      keys[role] = made.body.secret;
    }
    keys.other = (await app.call('POST', `/v1/orgs/${other}/api-keys`, { name: 'o', role: 'owner' })).body.secret;
    const doc = (await app.call('GET', '/v1/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    for (const c of app.server.routeContracts) {
      const key = `${c.method} ${c.path}`;
      // a hidden twin (CloudEvents on POST /v1/events) shares its route's method, path and capability
      if (c.hidden) {
        expect(CAPABILITY[key] ?? c.capability, key).toBe(c.capability);
        continue;
      }
      expect(CAPABILITY[key], `${key} registered twice`).toBeUndefined();
      CAPABILITY[key] = c.capability;
      operations.push({ method: c.method, path: c.path });
    }
  });
  afterAll(() => app.close());

  const urlOf = (path: string) => path.replace('{org}', org).replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'period' ? '2026-02' : name === 'date' ? '2026-02-01' : `${name}_x1`));
  const bodyFor = (method: string) => (method === 'GET' || method === 'DELETE' ? undefined : {});
  const footprint = async () =>
    app.db.read((q) =>
      rows<{ a: bigint; l: bigint }>(q, sql`select (select count(*) from audit_log where org_id = ${org})::bigint as a, (select count(*) from ledger_entries where org_id = ${org})::bigint as l`),
    );

  it('the route contracts are exactly the operations of the document', () => {
    expect(Object.keys(CAPABILITY).sort()).toEqual([...documented].sort());
    expect(operations.length).toBeGreaterThan(60);
  });

  it('without a key every non-public route answers 401 in the envelope', async () => {
    for (const { method, path } of operations) {
      if (CAPABILITY[`${method} ${path}`] === 'public') continue;
      const res = await app.call(method, urlOf(path), bodyFor(method), { authorization: '' });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it("another organization's key gets 404 organization_not_found on every route of this organization", async () => {
    const before = await footprint();
    for (const { method, path } of operations.filter((o) => o.path.includes('{org}'))) {
      const res = await app.call(method, urlOf(path), bodyFor(method), { authorization: `Bearer ${keys.other}` });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
      expect(res.body.error.code).toBe('organization_not_found');
    }
    expect(await footprint()).toEqual(before);
  });

  it.each(ROLES)('a %s key gets its capability’s answer on every route, and refusals change nothing', async (role) => {
    const actor = { kind: 'key' as const, label: 'x', orgId: org, keyId: 'k', role, memberId: null };
    for (const { method, path } of operations) {
      const capability = CAPABILITY[`${method} ${path}`]!;
      if (capability === 'public' || capability === 'self' || (method === 'DELETE' && capability === 'keys.write')) continue;
      const before = await footprint();
      const res = await app.call(method, urlOf(path), bodyFor(method), { authorization: `Bearer ${keys[role]}` });
      const where = `${role} ${method} ${path}: ${res.status} ${res.text.slice(0, 200)}`;
      expect(res.status, where).toBeLessThan(500);
      const allowed = capability === 'platform' ? false : can(actor, capability);
      const refusedForRole = res.status === 403 && (CAPABILITY_REFUSAL.test(res.body.error.message) || /platform key/.test(res.body.error.message));
      if (allowed) {
        expect(refusedForRole, where).toBe(false);
      } else if (method === 'GET') {
        expect(refusedForRole, where).toBe(true);
      } else {
        // a write's body is validated before the role is checked: 400 or 403, and nothing changed
        expect([400, 403], where).toContain(res.status);
        expect(await footprint(), where).toEqual(before);
      }
    }
  });
});

describe('the dashboard reads the same policy table', () => {
  it('shows billing pages to the roles that may read grants and invoices, oversight pages to those that may read usage and statements', () => {
    expect(ROLES.filter((r) => may.billing(r))).toEqual(['owner', 'billing_admin']);
    expect(ROLES.filter((r) => may.oversee(r))).toEqual(['owner', 'billing_admin', 'manager']);
    expect(ROLES.map(homeOf)).toEqual(['/credit-history', '/credit-history', '/usage', '/my-credits']);
  });
});
