import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, seedOrg, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

const PASSWORD = 'correct horse battery';

function cookieOf(headers: Record<string, unknown>): string {
  const raw = headers['set-cookie'];
  const first = (Array.isArray(raw) ? raw[0] : raw) as string;
  return first.split(';')[0]!;
}

describe.each(testDatabases)('dashboard sign-in on $name', (target) => {
  let app: TestApp;
  let org: string;
  let other: string;
  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app, { name: 'Acme' });
    other = await seedOrg(app, { name: 'Other' });
    for (const [id, role] of [
      ['mem_owner', 'owner'],
      ['mem_member', 'member'],
    ] as const) {
      const made = await app.call('POST', `/v1/orgs/${org}/members`, { id, email: `${id}@acme.test`, name: id, role });
      expect(made.status).toBe(201);
      const res = await app.call('PUT', `/v1/orgs/${org}/members/${id}/password`, { password: PASSWORD });
      expect(res.status).toBe(200);
    }
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '100' });
  });
  afterAll(() => app.close());

  it('signs in with a password and acts with the member role', async () => {
    const login = await app.call('POST', '/v1/auth/login', { email: 'MEM_OWNER@acme.test', password: PASSWORD }, { authorization: '' });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ org_id: org, member_id: 'mem_owner', role: 'owner', kind: 'password' });
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = cookieOf(login.headers);
    const balance = await app.call('GET', `/v1/orgs/${org}/balance`, undefined, { authorization: '', cookie });
    expect(balance.status).toBe(200);
    expect(balance.body.available).toBe('100');
    const foreign = await app.call('GET', `/v1/orgs/${other}/balance`, undefined, { authorization: '', cookie });
    expect(foreign.status).toBe(404);
    const session = await app.call('GET', '/v1/auth/session', undefined, { authorization: '', cookie });
    expect(session.body.csrf_token).toBe(login.body.csrf_token);
  });

  it('marks the cookie Secure behind HTTPS', async () => {
    const login = await app.call(
      'POST',
      '/v1/auth/login',
      { email: 'mem_owner@acme.test', password: PASSWORD },
      { authorization: '', 'x-forwarded-proto': 'https' },
    );
    expect(login.status).toBe(200);
    expect(String(login.headers['set-cookie'])).toMatch(/;\s*Secure/i);
    const plain = await app.call('POST', '/v1/auth/login', { email: 'mem_owner@acme.test', password: PASSWORD }, { authorization: '' });
    expect(String(plain.headers['set-cookie'])).not.toMatch(/;\s*Secure/i);
  });

  it('refuses cookie writes without the CSRF token, and signs out', async () => {
    const login = await app.call('POST', '/v1/auth/login', { email: 'mem_owner@acme.test', password: PASSWORD }, { authorization: '' });
    const cookie = cookieOf(login.headers);
    const grant = { name: 'Promo', source: 'promotional', amount: '5' };
    const without = await app.call('POST', `/v1/orgs/${org}/grants`, grant, { authorization: '', cookie });
    expect(without.status).toBe(403);
    expect(without.body.error.code).toBe('csrf_failed');
    const wrong = await app.call('POST', `/v1/orgs/${org}/grants`, grant, { authorization: '', cookie, 'x-csrf-token': 'nope' });
    expect(wrong.status).toBe(403);
    const balance = await app.call('GET', `/v1/orgs/${org}/balance`);
    expect(balance.body.available).toBe('100');
    const out = await app.call('POST', '/v1/auth/logout', undefined, { authorization: '', cookie, 'x-csrf-token': login.body.csrf_token });
    expect(out.status).toBe(204);
    const after = await app.call('GET', `/v1/orgs/${org}/balance`, undefined, { authorization: '', cookie });
    expect(after.status).toBe(401);
  });

  it('a member session gets the member role', async () => {
    const login = await app.call('POST', '/v1/auth/login', { email: 'mem_member@acme.test', password: PASSWORD }, { authorization: '' });
    const cookie = cookieOf(login.headers);
    const grants = await app.call('GET', `/v1/orgs/${org}/grants`, undefined, { authorization: '', cookie });
    expect(grants.status).toBe(403);
  });

  it('rejects a wrong password and limits failures per account with 429', async () => {
    const email = 'mem_member@acme.test';
    for (let i = 0; i < 5; i++) {
      const res = await app.call('POST', '/v1/auth/login', { email, password: 'wrong password' }, { authorization: '' });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_credentials');
    }
    const limited = await app.call('POST', '/v1/auth/login', { email, password: PASSWORD }, { authorization: '' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    app.clock.advance(16 * 60 * 1000);
    const later = await app.call('POST', '/v1/auth/login', { email, password: PASSWORD }, { authorization: '' });
    expect(later.status).toBe(200);
  });

  it('limits failures per address across accounts', async () => {
    const headers = { authorization: '', 'x-forwarded-for': '203.0.113.9' };
    for (let i = 0; i < 20; i++) {
      const res = await app.call('POST', '/v1/auth/login', { email: `nobody${i}@acme.test`, password: 'x' }, headers);
      expect(res.status).toBe(401);
    }
    const limited = await app.call('POST', '/v1/auth/login', { email: 'mem_owner@acme.test', password: PASSWORD }, headers);
    expect(limited.status).toBe(429);
    app.clock.advance(16 * 60 * 1000);
  });

  it('embed tokens open a session for their member until they expire', async () => {
    const made = await app.call('POST', `/v1/orgs/${org}/embed-tokens`, { member: 'mem_member', ttl_seconds: 60 });
    expect(made.status).toBe(201);
    expect(made.body.url).toContain(`/embed/${encodeURIComponent(made.body.token)}`);
    const opened = await app.call('POST', '/v1/auth/embed', { token: made.body.token }, { authorization: '' });
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ member_id: 'mem_member', role: 'member', kind: 'embed' });
    const bearer = { authorization: `Bearer ${opened.body.session_token}` };
    expect((await app.call('GET', '/v1/auth/session', undefined, bearer)).status).toBe(200);
    expect((await app.call('GET', `/v1/orgs/${org}/grants`, undefined, bearer)).status).toBe(403);
    app.clock.advance(61_000);
    expect((await app.call('GET', '/v1/auth/session', undefined, bearer)).status).toBe(401);
    const expired = await app.call('POST', '/v1/auth/embed', { token: made.body.token }, { authorization: '' });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('embed_link_expired');
    const forged = await app.call('POST', '/v1/auth/embed', { token: `${made.body.token}x` }, { authorization: '' });
    expect(forged.body.error.code).toBe('embed_link_invalid');
  });

  it('sets passwords only for members of the organization, by an owner or the member', async () => {
    const unknown = await app.call('PUT', `/v1/orgs/${org}/members/ghost/password`, { password: PASSWORD });
    expect(unknown.status).toBe(404);
    const short = await app.call('PUT', `/v1/orgs/${org}/members/mem_member/password`, { password: 'short' });
    expect(short.status).toBe(400);
    const cross = await app.call('PUT', `/v1/orgs/${other}/members/mem_member/password`, { password: PASSWORD });
    expect(cross.status).toBe(404);
    const login = await app.call('POST', '/v1/auth/login', { email: 'mem_member@acme.test', password: PASSWORD }, { authorization: '' });
    const cookie = cookieOf(login.headers);
    const csrf = { authorization: '', cookie, 'x-csrf-token': login.body.csrf_token };
    const others = await app.call('PUT', `/v1/orgs/${org}/members/mem_owner/password`, { password: 'a new password' }, csrf);
    expect(others.status).toBe(403);
    const own = await app.call('PUT', `/v1/orgs/${org}/members/mem_member/password`, { password: PASSWORD }, csrf);
    expect(own.status).toBe(200);
  });

  it('only owners and the platform mint embed tokens; unknown members are refused', async () => {
    const key = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'm', role: 'member', member: 'mem_member' });
    const res = await app.call('POST', `/v1/orgs/${org}/embed-tokens`, { member: 'mem_owner', ttl_seconds: 60 }, { authorization: `Bearer ${key.body.secret}` });
    expect(res.status).toBe(403);
    const unknown = await app.call('POST', `/v1/orgs/${org}/embed-tokens`, { member: 'ghost', ttl_seconds: 60 });
    expect(unknown.status).toBe(404);
    const cross = await app.call('POST', `/v1/orgs/${other}/embed-tokens`, { member: 'mem_owner', ttl_seconds: 60 });
    expect(cross.status).toBe(404);
  });
});
