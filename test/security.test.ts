import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { can, type Capability, type Role } from '../src/http/auth.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/**
 * Issue 11: every route of the OpenAPI document, by every kind of caller. Without a key → 401; with
 * another organization's key → 404 organization_not_found; with each role's key → the capability's
 * answer (a role without it gets 403 from authorize, and nothing changes). The capability of each
 * route is listed here: a route missing from this table fails the first test.
 */
const CAPABILITY: Record<string, Capability | 'platform' | 'public' | 'self'> = {
  'PUT /v1/orgs/{org}/alerts': 'alerts.manage',
  'GET /v1/orgs/{org}/alerts': 'alerts.manage',
  'POST /v1/orgs/{org}/members': 'members.create',
  'GET /v1/orgs/{org}/members': 'members.read',
  'GET /v1/orgs/{org}/members/{member}': 'members.read',
  'PATCH /v1/orgs/{org}/members/{member}': 'members.update',
  'DELETE /v1/orgs/{org}/members/{member}': 'members.delete',
  'GET /v1/orgs/{org}/settings': 'settings.read',
  'PATCH /v1/orgs/{org}/settings': 'settings.write',
  'GET /v1/orgs/{org}/cycle': 'cycles.read',
  'POST /v1/orgs/{org}/cycle/reset': 'cycles.write',
  'GET /v1/orgs/{org}/cycles': 'cycles.read',
  'POST /v1/orgs/{org}/groups': 'groups.write',
  'GET /v1/orgs/{org}/groups': 'groups.read',
  'GET /v1/orgs/{org}/groups/{group}': 'groups.read',
  'PATCH /v1/orgs/{org}/groups/{group}': 'groups.write',
  'DELETE /v1/orgs/{org}/groups/{group}': 'groups.write',
  'GET /v1/orgs/{org}/allocations': 'allocations.read',
  'POST /v1/orgs/{org}/api-keys': 'keys.write',
  'GET /v1/orgs/{org}/api-keys': 'keys.write',
  'DELETE /v1/orgs/{org}/api-keys/{id}': 'keys.write',
  'GET /v1/orgs/{org}/audit': 'audit.read',
  'POST /v1/auth/login': 'public',
  'POST /v1/auth/logout': 'self',
  'GET /v1/auth/session': 'self',
  'POST /v1/auth/embed': 'public',
  'POST /v1/orgs/{org}/embed-tokens': 'keys.write',
  'PUT /v1/orgs/{org}/members/{member}/password': 'self',
  'GET /v1/orgs/{org}/balance': 'balance.read',
  'POST /v1/events': 'events.write',
  'GET /v1/orgs/{org}/events': 'events.read_own',
  'GET /v1/orgs/{org}/statements/{period}/export.csv': 'statements.read',
  'GET /v1/orgs/{org}/events/export.csv': 'events.read',
  'GET /v1/orgs/{org}/grants/{grant}/ledger.csv': 'grants.read',
  'POST /v1/orgs/{org}/grants': 'grants.write',
  'GET /v1/orgs/{org}/grants': 'grants.read',
  'GET /v1/orgs/{org}/grants/{grant}': 'grants.read',
  'POST /v1/orgs/{org}/grants/{grant}/void': 'grants.write',
  'GET /v1/orgs/{org}/grants/{grant}/ledger': 'grants.read',
  'POST /v1/orgs/{org}/check': 'admission.use',
  'POST /v1/orgs/{org}/holds': 'admission.use',
  'POST /v1/orgs/{org}/holds/{hold}/capture': 'admission.use',
  'POST /v1/orgs/{org}/holds/{hold}/release': 'admission.use',
  'GET /v1/orgs/{org}/holds': 'admission.use',
  'GET /v1/orgs/{org}/invoices': 'invoices.read',
  'GET /v1/orgs/{org}/invoices/{invoice}': 'invoices.read',
  'POST /v1/orgs/{org}/invoices/{invoice}/pay': 'platform',
  'POST /v1/orgs/{org}/invoices/{invoice}/void': 'platform',
  'PUT /v1/meters/{key}': 'platform',
  'GET /v1/meters': 'self',
  'PUT /v1/orgs/{org}/meters/{key}': 'meters.write',
  'GET /v1/orgs/{org}/meters': 'org.read',
  'POST /v1/orgs': 'platform',
  'GET /v1/orgs': 'self',
  'GET /v1/orgs/{org}': 'org.read',
  'PATCH /v1/orgs/{org}': 'org.write',
  'GET /v1/orgs/{org}/notifications': 'notifications.read',
  'PUT /v1/orgs/{org}/plan': 'plan.write',
  'GET /v1/orgs/{org}/plan': 'plan.read',
  'GET /v1/orgs/{org}/plan/usage': 'plan.read',
  'POST /v1/orgs/{org}/purchases': 'purchases.write',
  'GET /v1/orgs/{org}/purchases': 'purchases.read',
  'GET /v1/orgs/{org}/purchases/{id}': 'purchases.read',
  'POST /v1/orgs/{org}/purchases/{id}/confirm': 'purchases.confirm',
  'POST /v1/orgs/{org}/purchases/{id}/fail': 'purchases.confirm',
  'PUT /v1/orgs/{org}/auto-recharge': 'auto_recharge.manage',
  'GET /v1/orgs/{org}/auto-recharge': 'auto_recharge.manage',
  'POST /v1/orgs/{org}/requests': 'requests.create',
  'GET /v1/orgs/{org}/requests': 'requests.read',
  'POST /v1/orgs/{org}/requests/{id}/approve': 'requests.decide',
  'POST /v1/orgs/{org}/requests/{id}/deny': 'requests.decide',
  'GET /v1/orgs/{org}/statements': 'statements.read',
  'GET /v1/orgs/{org}/statements/{period}': 'statements.read',
  'GET /v1/orgs/{org}/statements/{period}/days/{date}/jobs': 'statements.read',
  'GET /v1/orgs/{org}/usage/breakdown': 'usage.read',
  'GET /v1/orgs/{org}/usage/series': 'usage.read',
  'GET /v1/orgs/{org}/usage/included': 'usage.read',
  'POST /v1/orgs/{org}/webhooks': 'webhooks.manage',
  'GET /v1/orgs/{org}/webhooks': 'webhooks.manage',
  'GET /v1/orgs/{org}/webhooks/{id}': 'webhooks.manage',
  'PATCH /v1/orgs/{org}/webhooks/{id}': 'webhooks.manage',
  'DELETE /v1/orgs/{org}/webhooks/{id}': 'webhooks.manage',
  'GET /v1/orgs/{org}/webhooks/{id}/deliveries': 'webhooks.manage',
  // this round's routes (issues 14–17)
  'POST /v1/orgs/{org}/caps': 'caps.write',
  'GET /v1/orgs/{org}/caps': 'caps.read',
  'GET /v1/orgs/{org}/caps/{cap}': 'caps.read',
  'PATCH /v1/orgs/{org}/caps/{cap}': 'caps.write',
  'DELETE /v1/orgs/{org}/caps/{cap}': 'caps.write',
  'GET /v1/orgs/{org}/customer-aliases': 'org.read',
  'PUT /v1/orgs/{org}/customer-aliases': 'org.write',
  'POST /v1/compat/stripe/meter_events': 'events.write',
  'POST /v1/events/corrections': 'events.write',
  'POST /v1/orgs/{org}/events/{id}/void': 'events.write',
  'POST /v1/orgs/{org}/events/{id}/amend': 'events.write',
  'GET /v1/orgs/{org}/forecast': 'org.read',
  'GET /v1/orgs/{org}/costs': 'invoices.read',
  'GET /v1/orgs/{org}/costs/export.csv': 'invoices.read',
  'POST /v1/orgs/{org}/grant-schedules': 'grants.write',
  'GET /v1/orgs/{org}/grant-schedules': 'grants.read',
  'GET /v1/orgs/{org}/grant-schedules/{schedule}': 'grants.read',
  'PATCH /v1/orgs/{org}/grant-schedules/{schedule}': 'grants.write',
  'POST /v1/orgs/{org}/grant-schedules/{schedule}/end': 'grants.write',
  'GET /v1/orgs/{org}/grants/{grant}/ledger/summary': 'grants.read',
  'GET /v1/orgs/{org}/statements/{period}/proof': 'statements.read',
  'GET /v1/statement-key': 'public',
  'GET /v1/verify': 'platform',
};

const ROLES: Role[] = ['owner', 'billing_admin', 'manager', 'member'];
const CAPABILITY_REFUSAL = /^Your role may not do this \(/;

describe.each(testDatabases)('security over every route on $name', (target) => {
  let app: TestApp;
  let org: string;
  let operations: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: string }[] = [];
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
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => ({ method: m.toUpperCase() as 'GET', path })),
    );
  });
  afterAll(() => app.close());

  const urlOf = (path: string) => path.replace('{org}', org).replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'period' ? '2026-02' : name === 'date' ? '2026-02-01' : `${name}_x1`));
  const bodyFor = (method: string) => (method === 'GET' || method === 'DELETE' ? undefined : {});
  const footprint = async () =>
    app.db.read((q) =>
      rows<{ a: bigint; l: bigint }>(q, sql`select (select count(*) from audit_log where org_id = ${org})::bigint as a, (select count(*) from ledger_entries where org_id = ${org})::bigint as l`),
    );

  it('every route of the document has a capability listed here', () => {
    const missing = operations.map((o) => `${o.method} ${o.path}`).filter((k) => !(k in CAPABILITY));
    expect(missing).toEqual([]);
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
