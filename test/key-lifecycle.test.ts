import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

const PASSWORD = 'correct horse battery';

/** Issue 11: access follows membership; owners list and revoke keys. */
describe.each(testDatabases)('API key lifecycle on $name', (target) => {
  let app: TestApp;
  let org: string;
  let n = 0;
  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app);
  });
  afterAll(() => app.close());

  const member = async (role: string) => {
    const id = `mem_${role}_${++n}`;
    const made = await app.call('POST', `/v1/orgs/${org}/members`, { id, email: `${id}@acme.test`, name: `Person ${id}`, role });
    expect(made.status, made.text).toBe(201);
    return id;
  };
  const keyFor = async (memberId: string | undefined, role: string) => {
    const made = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: `key ${++n}`, role, member: memberId });
    expect(made.status, made.text).toBe(201);
    return { id: made.body.id as string, secret: made.body.secret as string };
  };
  const as = (secret: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    app.call(method, url, body, { authorization: `Bearer ${secret}` });

  it('a removed member’s key stops at once: no grant, no new key', async () => {
    const owner = await member('owner');
    const key = await keyFor(owner, 'owner');
    expect((await as(key.secret, 'GET', `/v1/orgs/${org}/audit`)).status).toBe(200); // warms the key cache
    expect((await app.call('DELETE', `/v1/orgs/${org}/members/${owner}`)).status).toBe(200);
    const grant = await as(key.secret, 'POST', `/v1/orgs/${org}/grants`, { name: 'x', source: 'included', amount: '1' });
    expect(grant.status).toBe(401);
    expect(grant.body.error.code).toBe('unauthorized');
    expect((await as(key.secret, 'POST', `/v1/orgs/${org}/api-keys`, { name: 'again', role: 'owner' })).status).toBe(401);
    const listed = await app.call('GET', `/v1/orgs/${org}/api-keys`);
    expect(listed.body.data.map((k: { id: string }) => k.id)).not.toContain(key.id);
  });

  it('a demoted member’s key acts with the new role at once', async () => {
    const admin = await member('owner');
    const key = await keyFor(admin, 'owner');
    expect((await as(key.secret, 'GET', `/v1/orgs/${org}/audit`)).status).toBe(200);
    expect((await app.call('PATCH', `/v1/orgs/${org}/members/${admin}`, { role: 'member' })).status).toBe(200);
    const audit = await as(key.secret, 'GET', `/v1/orgs/${org}/audit`);
    expect(audit.status).toBe(403);
    const listed = await app.call('GET', `/v1/orgs/${org}/api-keys`);
    expect(listed.body.data.find((k: { id: string }) => k.id === key.id)).toMatchObject({ role: 'member', member: admin });
    // promoting back does not lift the key above the role it was made with
    const memberKey = await keyFor(admin, 'member');
    expect((await app.call('PATCH', `/v1/orgs/${org}/members/${admin}`, { role: 'owner' })).status).toBe(200);
    expect((await as(memberKey.secret, 'GET', `/v1/orgs/${org}/audit`)).status).toBe(403);
    expect((await as(key.secret, 'GET', `/v1/orgs/${org}/audit`)).status).toBe(200);
  });

  it('sessions and embed links of a removed member end at once', async () => {
    const person = await member('billing_admin');
    expect((await app.call('PUT', `/v1/orgs/${org}/members/${person}/password`, { password: PASSWORD })).status).toBe(200);
    const login = await app.call('POST', '/v1/auth/login', { email: `${person}@acme.test`, password: PASSWORD, org }, { authorization: '' });
    expect(login.status, login.text).toBe(200);
    const embed = await app.call('POST', `/v1/orgs/${org}/embed-tokens`, { member: person, ttl_seconds: 600 });
    expect(embed.status, embed.text).toBe(201);
    const opened = await app.call('POST', '/v1/auth/embed', { token: embed.body.token }, { authorization: '' });
    expect(opened.status).toBe(200);
    const cookie = String(([] as string[]).concat(login.headers['set-cookie'] as string)[0]).split(';')[0]!;
    expect((await app.call('GET', `/v1/orgs/${org}/balance`, undefined, { authorization: '', cookie })).status).toBe(200);

    expect((await app.call('DELETE', `/v1/orgs/${org}/members/${person}`)).status).toBe(200);
    const after = await app.call('GET', `/v1/orgs/${org}/balance`, undefined, { authorization: '', cookie });
    expect(after.status).toBe(401);
    const embedCookie = String(([] as string[]).concat(opened.headers['set-cookie'] as string)[0]).split(';')[0]!;
    expect((await app.call('GET', `/v1/auth/session`, undefined, { authorization: '', cookie: embedCookie })).status).toBe(401);
    const reopened = await app.call('POST', '/v1/auth/embed', { token: embed.body.token }, { authorization: '' });
    expect(reopened.status).toBe(401);
  });

  it('owners list keys without secrets and revoke them, audited; other roles may not', async () => {
    const mgr = await member('manager');
    const ownerKey = await keyFor(undefined, 'owner');
    const managerKey = await keyFor(mgr, 'manager');
    const listed = await as(ownerKey.secret, 'GET', `/v1/orgs/${org}/api-keys`);
    expect(listed.status).toBe(200);
    const row = listed.body.data.find((k: { id: string }) => k.id === managerKey.id);
    expect(row).toMatchObject({ role: 'manager', member: mgr, member_name: `Person ${mgr}`, last_used_at: null });
    expect(JSON.stringify(listed.body)).not.toContain(managerKey.secret.split('.')[2]);
    const mine = listed.body.data.find((k: { id: string }) => k.id === ownerKey.id);
    expect(mine.last_used_at).toBe(app.clock.now().toISOString());

    expect((await as(managerKey.secret, 'GET', `/v1/orgs/${org}/api-keys`)).status).toBe(403);
    expect((await as(managerKey.secret, 'DELETE', `/v1/orgs/${org}/api-keys/${ownerKey.id}`)).status).toBe(403);

    const revoked = await as(ownerKey.secret, 'DELETE', `/v1/orgs/${org}/api-keys/${managerKey.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: managerKey.id, revoked: true });
    expect((await as(managerKey.secret, 'GET', `/v1/orgs/${org}/balance`)).status).toBe(401);
    const again = await as(ownerKey.secret, 'DELETE', `/v1/orgs/${org}/api-keys/${managerKey.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('api_key_not_found');
    const audit = await app.call('GET', `/v1/orgs/${org}/audit?action=api_key.revoke`);
    expect(audit.body.data[0]).toMatchObject({ action: 'api_key.revoke', target: managerKey.id });
  });

  it('another organization’s key gets 404 on the key list and revoke', async () => {
    const other = await seedOrg(app, { name: 'Other' });
    const otherKey = (await app.call('POST', `/v1/orgs/${other}/api-keys`, { name: 'o', role: 'owner' })).body.secret as string;
    const mine = await keyFor(undefined, 'owner');
    expect((await as(otherKey, 'GET', `/v1/orgs/${org}/api-keys`)).status).toBe(404);
    expect((await as(otherKey, 'DELETE', `/v1/orgs/${org}/api-keys/${mine.id}`)).status).toBe(404);
    expect((await as(mine.secret, 'GET', `/v1/orgs/${org}/balance`)).status).toBe(200);
  });
});
