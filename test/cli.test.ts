import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.js';
import { runIngest } from '../src/cli/ingest.js';
import { runVerify } from '../src/cli/verify.js';
import { ManualClock } from '../src/clock.js';
import { openPglite, type Database } from '../src/db/client.js';
import { PLATFORM_KEY, TEST_METERS } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/** The `tally` command against a real database and a real server on loopback. */
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
});

function captureStdout(): () => string {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  return () => out;
}

/** A database the CLI can open from the environment, as the server would. */
async function configuredDatabase(name: string): Promise<{ db: Database; reopen: () => Promise<Database> }> {
  if (name === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'tally-cli-'));
    process.env.TALLY_DATA_DIR = dir;
    delete process.env.DATABASE_URL;
    return { db: await openPglite(dir), reopen: () => openPglite(dir) };
  }
  const db = await testDatabases[1]!.open();
  process.env.DATABASE_URL = db.url!;
  return { db, reopen: async () => db };
}

describe.each(testDatabases)('tally CLI on $name', (target) => {
  it('verify prints the proof per organization and exits 1 on a breach', async () => {
    const { db, reopen } = await configuredDatabase(target.name);
    const app = await createApp({ db, clock: new ManualClock('2026-03-10T12:00:00Z'), platformKey: PLATFORM_KEY, log: pino({ level: 'silent' }) });
    const call = (method: 'POST' | 'PUT', url: string, payload: object) =>
      app.server.inject({ method, url, payload, headers: { authorization: `Bearer ${PLATFORM_KEY}` } });
    await call('POST', '/v1/orgs', { id: 'cli-org', name: 'CLI', timezone: 'UTC', credit_factor: '1' });
    await call('PUT', '/v1/meters/tokens', TEST_METERS.tokens);
    await call('POST', '/v1/orgs/cli-org/grants', { name: 'g', source: 'included', amount: '10' });
    await call('POST', '/v1/events', { events: [{ id: 'a', org: 'cli-org', meter: 'tokens', quantity: '4', timestamp: '2026-03-10T11:00:00Z' }] });
    await app.close();
    if (target.name === 'pglite') await db.close();

    let out = captureStdout();
    expect(await runVerify()).toBe(0);
    expect(out()).toMatch(/ok +cli-org: 2 entries, entry sum 0, lowest block balance 6, cached = derived for every account/);
    expect(out()).toMatch(/hash chain intact over 2 entries: none changed, removed or out of order/);

    const again = await reopen();
    await again.transaction((tx) => tx.execute(`update blocks set remaining = remaining + 1000000 where org_id = 'cli-org'`));
    if (target.name === 'pglite') await again.close();
    vi.restoreAllMocks();
    out = captureStdout();
    expect(await runVerify()).toBe(1);
    expect(out()).toMatch(/BREACH cli-org/);
    expect(out()).toMatch(/cached 7 ≠ derived 6/);
    if (target.name === 'postgres') await again.close();
  });

  it('ingest sends a JSON-lines file in batches and prints the summary', async () => {
    const db = await target.open();
    const app = await createApp({ db, clock: new ManualClock('2026-03-10T12:00:00Z'), platformKey: PLATFORM_KEY, log: pino({ level: 'silent' }) });
    try {
      const call = (method: 'POST' | 'PUT', url: string, payload: object) =>
        app.server.inject({ method, url, payload, headers: { authorization: `Bearer ${PLATFORM_KEY}` } });
      await call('POST', '/v1/orgs', { id: 'cli-org', name: 'CLI', timezone: 'UTC', credit_factor: '1' });
      await call('PUT', '/v1/meters/runs', TEST_METERS.runs);
      const lines = Array.from({ length: 2500 }, (_, i) =>
        JSON.stringify({ id: `r${i}`, org: 'cli-org', meter: 'runs', quantity: 1, timestamp: '2026-03-10T11:00:00Z' }),
      );
      lines.push(JSON.stringify({ id: 'r7', org: 'cli-org', meter: 'runs', quantity: 1, timestamp: '2026-03-10T11:00:00Z' }));
      lines.push('{not json');
      const file = join(mkdtempSync(join(tmpdir(), 'tally-ingest-')), 'events.jsonl');
      writeFileSync(file, `${lines.join('\n')}\n`);
      process.env.TALLY_URL = await app.server.listen({ port: 0, host: '127.0.0.1' });
      process.env.TALLY_PLATFORM_KEY = PLATFORM_KEY;
      const out = captureStdout();
      expect(await runIngest([file])).toBe(1);
      expect(out()).toContain('accepted 2500, duplicates 1, rejected 1');
      expect(out()).toContain('line 2502: not valid JSON');
      const balance = await app.server.inject({ url: '/v1/orgs/cli-org/balance', headers: { authorization: `Bearer ${PLATFORM_KEY}` } });
      expect(balance.json().overage).toBe('625'); // 2,500 runs × 0.25 credits, no grant
    } finally {
      await app.close();
      await db.close();
    }
  });
});
