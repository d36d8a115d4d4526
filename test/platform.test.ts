import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openPglite } from '../src/db/client.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({ port: 4000, host: '127.0.0.1', dataDir: './.tally-data', demo: true, databaseUrl: undefined });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ TALLY_DEMO: 'yes' }, 'TALLY_DEMO'],
    [{ TALLY_PLATFORM_KEY: 'short' }, 'TALLY_PLATFORM_KEY'],
  ])('refuses %o with a sentence naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`Tally cannot start: .*${name}`));
  });
});

describe('embedded database folder', () => {
  it('refuses a second opener while the first holds the folder, and reopens after close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-lock-'));
    const first = await openPglite(dir);
    // the lock belongs to this process; pretend to be another one by writing a live foreign pid
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'tally.lock'), String(process.ppid));
    await expect(openPglite(dir)).rejects.toThrow(/in use by process/);
    writeFileSync(join(dir, 'tally.lock'), String(process.pid));
    await first.close();
    const again = await openPglite(dir);
    await again.close();
  });
});

describe.each(testDatabases)('HTTP surface on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target);
  });
  afterAll(() => app.close());

  it('serves a valid OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await app.call('GET', '/v1/openapi.json', undefined, { authorization: '' });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/v1/orgs', '/v1/orgs/{org}/grants', '/v1/orgs/{org}/balance', '/v1/events', '/v1/meters/{key}']),
    );
    expect(res.body.paths['/v1/orgs/{org}/grants'].post.requestBody.content['application/json'].schema.properties.source.enum).toEqual([
      'included', 'purchased', 'promotional', 'adjustment',
    ]);
  });

  it('answers health, readiness and Prometheus metrics', async () => {
    expect((await app.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await app.call('GET', '/readyz')).body).toEqual({ status: 'ready' });
    const metrics = await app.call('GET', '/metrics');
    expect(metrics.text).toContain('tally_http_requests_total');
  });

  it('scopes an organization key to its organization', async () => {
    const org = await seedOrg(app);
    const other = await seedOrg(app, { name: 'Other' });
    const key = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'ci', role: 'billing_admin' });
    expect(key.status).toBe(201);
    expect(key.body.secret).toMatch(new RegExp(`^tk\\.${org}\\.`));
    const auth = { authorization: `Bearer ${key.body.secret}` };
    expect((await app.call('GET', `/v1/orgs/${org}/balance`, undefined, auth)).status).toBe(200);
    expect((await app.call('GET', `/v1/orgs/${other}/balance`, undefined, auth)).status).toBe(404);
    const list = await app.call('GET', '/v1/orgs', undefined, auth);
    expect(list.body.data.map((o: { id: string }) => o.id)).toEqual([org]);
    expect((await app.call('POST', '/v1/orgs', { name: 'x', timezone: 'UTC', credit_factor: '1' }, auth)).status).toBe(403);
    expect((await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'escalate', role: 'owner' }, auth)).status).toBe(403);
  });

  it('creates, reads, lists and updates organizations', async () => {
    const created = await app.call('POST', '/v1/orgs', { id: 'acme-co', name: 'Acme', timezone: 'Europe/Berlin', credit_factor: '1000', grace_days: 10 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'acme-co', grace_days: 10, overage: 'deny', credit_factor: '1000' });
    expect((await app.call('POST', '/v1/orgs', { id: 'acme-co', name: 'Again', timezone: 'UTC', credit_factor: '1' })).status).toBe(409);
    const patched = await app.call('PATCH', '/v1/orgs/acme-co', { overage: 'allow', timezone: 'America/New_York' });
    expect(patched.body).toMatchObject({ overage: 'allow', timezone: 'America/New_York', name: 'Acme' });
    const page1 = await app.call('GET', '/v1/orgs?limit=1');
    expect(page1.body.data).toHaveLength(1);
    expect(page1.body.next_cursor).not.toBeNull();
  });
});

describe.skipIf(testDatabases.length < 2)('migrations on PostgreSQL', () => {
  it('lets several instances migrate one database at the same time', async () => {
    const { migrate } = await import('../src/db/migrate.js');
    const db = await testDatabases[1]!.open();
    try {
      await Promise.all([migrate(db), migrate(db), migrate(db)]);
      const tables = await db.read((q) => q.execute(`select count(*)::int as n from information_schema.tables where table_name = 'ledger_entries'`));
      expect((tables as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
  });
});
