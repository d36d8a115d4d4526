import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { openPostgres, rows } from '../src/db/client.js';
import { canonicalJson, signStatement, verifyStatementSignature } from '../src/modules/signing/key.js';
import { PLATFORM_KEY, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { grant, ingest } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: '1', a: [{ z: null, y: 'é' }], c: { e: true, d: 2 } })).toBe('{"a":[{"y":"é","z":null}],"b":"1","c":{"d":2,"e":true}}');
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
  });
});

describe.each(testDatabases)('statement key on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-01-10T12:00:00Z');
  });
  afterAll(() => app.close());

  it('is generated once, published without credentials, kept across instances, and signs closed statements', async () => {
    // Two instances asking at once at first start agree on one key.
    const db2 = app.db.kind === 'postgres' ? await openPostgres(app.db.url!, 3) : app.db;
    const other = await createApp({ db: db2, clock: app.clock, platformKey: PLATFORM_KEY, log: pino({ level: 'error' }) });
    try {
      const [a, b] = await Promise.all([
        app.server.inject({ method: 'GET', url: '/v1/statement-key' }),
        other.server.inject({ method: 'GET', url: '/v1/statement-key' }),
      ]);
      expect(a.statusCode).toBe(200);
      expect(a.json()).toEqual(b.json());
      const key = a.json() as { algorithm: string; key_id: string; public_key: string; public_key_pem: string };
      expect(key.algorithm).toBe('Ed25519');
      expect(Buffer.from(key.public_key, 'base64url')).toHaveLength(32);
      expect(key.public_key_pem).toContain('BEGIN PUBLIC KEY');
      const stored = await app.db.read((q) => rows<{ n: bigint }>(q, sql`select count(*) as n from server_keys`));
      expect(Number(stored[0]!.n)).toBe(1);

      const org = await seedOrg(app);
      await grant(app, org, { amount: '50' });
      await ingest(app, org, [{ quantity: '7', at: '2026-01-10T11:00:00Z' }]);
      app.clock.set('2026-02-02T00:00:00Z');
      await app.scheduler.runOnce();
      const statement = (await app.call('GET', `/v1/orgs/${org}/statements/2026-01`)).body;
      expect(statement.summary).toMatchObject({ granted: '50', consumed: '7', closing: '43' });
      // Signed by one instance, checked with the published key only (as an offline verifier would).
      const signed = await signStatement(db2, statement, app.clock.now());
      expect(signed.key_id).toBe(key.key_id);
      expect(verifyStatementSignature(key.public_key_pem, statement, signed.signature)).toBe(true);
      // Key order does not matter; a changed figure does.
      const reordered = Object.fromEntries(Object.entries(statement).reverse());
      expect(verifyStatementSignature(key.public_key_pem, reordered, signed.signature)).toBe(true);
      const forged = { ...statement, summary: { ...statement.summary, closing: '44' } };
      expect(verifyStatementSignature(key.public_key_pem, forged, signed.signature)).toBe(false);
      const current = (await app.call('GET', `/v1/orgs/${org}/statements/current`)).body;
      await expect(signStatement(app.db, current, app.clock.now())).rejects.toThrow(RangeError);
    } finally {
      await other.close();
      if (db2 !== app.db) await db2.close();
    }
  }, 60_000);
});
