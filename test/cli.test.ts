import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.js';
import { runCli } from '../src/cli/index.js';
import { ManualClock, systemClock } from '../src/clock.js';
import { openPglite, type Database } from '../src/db/client.js';
import { PLATFORM_KEY, TEST_METERS } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/** The `tally` command against a real database and a real server on loopback. */
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
});

/** Runs one command line, capturing what it prints. */
async function tally(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    const code = await runCli(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** A database the CLI opens directly: the flag that names it, and a way to reopen it from the test. */
async function directDatabase(name: string): Promise<{ db: Database; flags: string[]; reopen: () => Promise<Database> }> {
  if (name === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'tally-cli-'));
    return { db: await openPglite(dir), flags: ['--data-dir', dir], reopen: () => openPglite(dir) };
  }
  const db = await testDatabases[1]!.open();
  return { db, flags: ['--database-url', db.url!], reopen: async () => db };
}

describe('tally help and failures', () => {
  it('tally --help lists every command, and each command --help lists its options', async () => {
    const help = await tally('--help');
    expect(help.code).toBe(0);
    for (const c of ['orgs', 'grants', 'members', 'keys', 'export', 'ingest', 'seed', 'verify', 'verify-statement', 'migrate']) expect(help.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    const grants = await tally('grants', '--help');
    for (const option of ['--org', '--amount', '--name', '--source', '--priority', '--starts-at', '--expires-at', '--status', '--grant', '--reason', '--data-dir', '--database-url', 'TALLY_URL', 'TALLY_PLATFORM_KEY']) {
      expect(grants.out).toContain(option);
    }
    expect((await tally('nope')).code).toBe(2);
  });

  it('says what to set when no server answers or no key is known', async () => {
    process.env.TALLY_URL = 'http://127.0.0.1:9';
    process.env.TALLY_PLATFORM_KEY = PLATFORM_KEY;
    const down = await tally('orgs', 'list');
    expect(down.code).toBe(2);
    expect(down.err).toContain(
      'No Tally server answers at http://127.0.0.1:9 (TALLY_URL). Start one with `npm start`, or pass --data-dir to read the embedded database directly.',
    );
    delete process.env.TALLY_PLATFORM_KEY;
    process.env.TALLY_DATA_DIR = mkdtempSync(join(tmpdir(), 'tally-nokey-'));
    const noKey = await tally('verify');
    expect(noKey.err).toContain('No platform key: set TALLY_PLATFORM_KEY');
    expect(noKey.err).toContain(join(process.env.TALLY_DATA_DIR, 'platform-key'));
  });
});

describe.each(testDatabases)('tally CLI on $name', (target) => {
  let db: Database;
  let app: Awaited<ReturnType<typeof createApp>>;
  let url: string;

  beforeAll(async () => {
    db = await target.open();
    app = await createApp({ db, clock: systemClock, platformKey: PLATFORM_KEY, log: pino({ level: 'silent' }) });
    url = await app.server.listen({ port: 0, host: '127.0.0.1' });
    for (const [key, meter] of Object.entries(TEST_METERS)) {
      await app.server.inject({ method: 'PUT', url: `/v1/meters/${key}`, payload: meter, headers: { authorization: `Bearer ${PLATFORM_KEY}` } });
    }
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });
  const server = () => {
    process.env.TALLY_URL = url;
    process.env.TALLY_PLATFORM_KEY = PLATFORM_KEY;
  };

  it('orgs create|list, members add, grants create|list|void, keys create|list|revoke through the server', async () => {
    server();
    const org = `cli-${target.name}`;
    const created = await tally('orgs', 'create', '--id', org, '--name', 'CLI Org', '--timezone', 'Europe/Paris', '--credit-factor', '10');
    expect(created.err).toBe('');
    expect(created.out).toBe(`created organization ${org} (CLI Org, Europe/Paris, credit factor 10)\n`);
    const list = await tally('orgs', 'list');
    expect(list.out).toMatch(new RegExp(`^${org} +CLI Org +Europe/Paris +10$`, 'm'));
    expect((await tally('orgs', 'create', '--id', org, '--name', 'Again')).err).toMatch(/already_exists, HTTP 409/);

    const member = await tally('members', 'add', '--org', org, '--id', 'ana', '--email', 'ana@cli.test', '--name', 'Ana', '--role', 'manager');
    expect(member.out).toBe(`added member ana (ana@cli.test, manager) to ${org}\n`);

    const grant = await tally('grants', 'create', '--org', org, '--name', 'Pack', '--amount', '250.5', '--source', 'purchased');
    const grantId = /created grant (\S+): 250\.5 credits \(purchased\)/.exec(grant.out)![1]!;
    await tally('grants', 'create', '--org', org, '--name', 'Plan', '--amount', '100');
    const grants = await tally('grants', 'list', '--org', org);
    expect(grants.out.split('\n')[0]).toMatch(/^ID +NAME +SOURCE +AMOUNT +REMAINING +STATUS +EXPIRES$/);
    expect(grants.out).toMatch(new RegExp(`^${grantId} +Pack +purchased +250\\.5 +250\\.5 `, 'm'));
    expect((await tally('grants', 'void', '--org', org, '--grant', grantId, '--reason', 'test')).out).toBe(`voided grant ${grantId}\n`);
    const balance = await app.server.inject({ url: `/v1/orgs/${org}/balance`, headers: { authorization: `Bearer ${PLATFORM_KEY}` } });
    expect(balance.json().available).toBe('100');
    expect((await tally('grants', 'create', '--org', org, '--name', 'x')).err).toContain('--amount is required');

    const key = await tally('keys', 'create', '--org', org, '--name', 'ci', '--role', 'billing_admin');
    const keyId = /^created key (\S+) /m.exec(key.out)![1]!;
    const secret = /^secret: (\S+)$/m.exec(key.out)![1]!;
    const withKey = await app.server.inject({ url: `/v1/orgs/${org}/balance`, headers: { authorization: `Bearer ${secret}` } });
    expect(withKey.statusCode).toBe(200);
    const listed = await tally('keys', 'list', '--org', org);
    expect(listed.out.split('\n')[0]).toMatch(/^ID +NAME +ROLE +MEMBER +CREATED +LAST USED$/);
    expect(listed.out).toMatch(new RegExp(`^${keyId} +ci +billing_admin `, 'm'));
    expect(listed.out).not.toContain(secret);
    expect((await tally('keys', 'revoke', '--org', org, '--key', keyId)).out).toBe(`revoked key ${keyId}\n`);
    const revoked = await app.server.inject({ url: `/v1/orgs/${org}/balance`, headers: { authorization: `Bearer ${secret}` } });
    expect(revoked.statusCode).toBe(401);
    expect((await tally('keys', 'list', '--org', org)).out).not.toContain(keyId);
  });

  it('export statement|events|grant-ledger stream CSV to stdout or a file', async () => {
    server();
    const org = `exp-${target.name}`;
    await tally('orgs', 'create', '--id', org, '--name', 'Export', '--credit-factor', '1');
    const grant = /created grant (\S+):/.exec((await tally('grants', 'create', '--org', org, '--name', 'Plan', '--amount', '50')).out)![1]!;
    const ts = new Date(Date.now() - 3_600_000).toISOString();
    await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${PLATFORM_KEY}` },
      payload: { events: [{ id: 'x1', org, meter: 'tokens', quantity: '7', timestamp: ts, project: 'p' }] },
    });
    const events = await tally('export', 'events', '--org', org);
    expect(events.err).toBe('');
    expect(events.code).toBe(0);
    const lines = events.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('x1');
    const ledgerFile = join(mkdtempSync(join(tmpdir(), 'tally-export-')), 'ledger.csv');
    const written = await tally('export', 'grant-ledger', '--org', org, '--grant', grant, '--out', ledgerFile);
    expect(written.err).toBe(`wrote ${ledgerFile}\n`);
    const ledger = readFileSync(ledgerFile, 'utf8').trim().split('\n');
    expect(ledger.length).toBe(3); // header, the grant, the usage
    expect(ledger.join('\n')).toContain('-7');
    const periods = await app.server.inject({ url: `/v1/orgs/${org}/statements`, headers: { authorization: `Bearer ${PLATFORM_KEY}` } });
    const period = periods.json().data[0].period as string;
    const statement = await tally('export', 'statement', '--org', org, '--period', period);
    expect(statement.err).toBe('');
    expect(statement.out.split('\n').length).toBeGreaterThan(1);
    expect(statement.out).toContain('7');
  });

  it('seed --events N makes a load-test organization of that size; the demo asks for the database', async () => {
    server();
    const seeded = await tally('seed', '--events', '2500', '--org', `load-${target.name}`, '--days', '3', '--members', '5');
    expect(seeded.out).toContain(`seeded load-${target.name}: 2500 of 2500 events accepted over 3 days, 5 members`);
    const demo = await tally('seed');
    expect(demo.code).toBe(2);
    expect(demo.err).toContain('stop the server and pass --data-dir (or --database-url)');
  });

  it('ingest sends a JSON-lines file in batches and prints the summary', async () => {
    server();
    await tally('orgs', 'create', '--id', `ing-${target.name}`, '--name', 'Ingest');
    const org = `ing-${target.name}`;
    const lines = Array.from({ length: 2500 }, (_, i) =>
      JSON.stringify({ id: `r${i}`, org, meter: 'runs', quantity: 1, timestamp: new Date(Date.now() - 60_000).toISOString() }),
    );
    lines.push(JSON.stringify({ id: 'r7', org, meter: 'runs', quantity: 1, timestamp: new Date(Date.now() - 60_000).toISOString() }));
    lines.push('{not json');
    const file = join(mkdtempSync(join(tmpdir(), 'tally-ingest-')), 'events.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const res = await tally('ingest', file);
    expect(res.code).toBe(1);
    expect(res.out).toContain('accepted 2500, duplicates 1, rejected 1');
    expect(res.out).toContain('line 2502: not valid JSON');
    const balance = await app.server.inject({ url: `/v1/orgs/${org}/balance`, headers: { authorization: `Bearer ${PLATFORM_KEY}` } });
    expect(balance.json().overage).toBe('625'); // 2,500 runs × 0.25 credits, no grant
  });

  it('verify through the server, and on the database directly; exits 1 on a breach', async () => {
    server();
    await tally('orgs', 'create', '--id', `ver-${target.name}`, '--name', 'Verify');
    await tally('grants', 'create', '--org', `ver-${target.name}`, '--name', 'Plan', '--amount', '5');
    const viaServer = await tally('verify');
    expect(viaServer.code).toBe(0);
    expect(viaServer.out).toMatch(new RegExp(`^ok +ver-${target.name}: 1 entries, entry sum 0, lowest block balance 5,`, 'm'));
    expect(viaServer.out).toMatch(/hash chain intact over 1 entries: none changed, removed or out of order/);
    expect(viaServer.out).toMatch(/organizations verified, 0 with a breach/);

    const direct = await directDatabase(target.name);
    const other = await createApp({ db: direct.db, clock: new ManualClock('2026-03-10T12:00:00Z'), platformKey: PLATFORM_KEY, log: pino({ level: 'silent' }) });
    const call = (method: 'POST' | 'PUT', u: string, payload: object) => other.server.inject({ method, url: u, payload, headers: { authorization: `Bearer ${PLATFORM_KEY}` } });
    const org = `v-${target.name}-${Date.now()}`;
    await call('POST', '/v1/orgs', { id: org, name: 'CLI', timezone: 'UTC', credit_factor: '1' });
    await call('PUT', '/v1/meters/tokens', TEST_METERS.tokens);
    await call('POST', `/v1/orgs/${org}/grants`, { name: 'g', source: 'included', amount: '10' });
    await call('POST', '/v1/events', { events: [{ id: 'a', org, meter: 'tokens', quantity: '4', timestamp: '2026-03-10T11:00:00Z' }] });
    await other.close();
    if (target.name === 'pglite') await direct.db.close();
    delete process.env.TALLY_URL;

    const ok = await tally('verify', ...direct.flags);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(new RegExp(`ok +${org}: 2 entries, entry sum 0, lowest block balance 6, cached = derived for every account`));
    expect(ok.out).toMatch(/hash chain intact over 2 entries: none changed, removed or out of order/);

    const again = await direct.reopen();
    await again.transaction((tx) => tx.execute(`update blocks set remaining = remaining + 1000000 where org_id = '${org}'`));
    if (target.name === 'pglite') await again.close();
    const breach = await tally('verify', ...direct.flags);
    expect(breach.code).toBe(1);
    expect(breach.out).toMatch(new RegExp(`BREACH ${org}`));
    expect(breach.out).toMatch(/cached 7 ≠ derived 6/);
    // migrate on the same database finds nothing left to apply
    expect((await tally('migrate', ...direct.flags)).out).toBe('migrations applied\n');
    // the demo is seeded directly, and only into an empty database (seeding it fully is test/demo.test.ts)
    const demo = await tally('seed', ...direct.flags);
    expect(demo.code).toBe(0);
    expect(demo.out).toBe('the database already holds organizations: the demo is seeded only into an empty one\n');
    if (target.name === 'postgres') await again.close();
  });
});
