import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { ManualClock } from '../src/clock.js';
import type { Database } from '../src/db/client.js';
import { PLATFORM_KEY } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

const HTML = { accept: 'text/html,application/xhtml+xml' };

describe.each(testDatabases)('the dashboard is served at / on $name', (target) => {
  let dist: string;
  let db: Database;
  let app: Awaited<ReturnType<typeof createApp>>;
  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'tally-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dist, 'assets', 'app-abc123.js'), 'console.log(1)');
    db = await target.open();
    app = await createApp({ db, clock: new ManualClock('2026-03-10T12:00:00Z'), platformKey: PLATFORM_KEY, log: pino({ level: 'error' }), dashboardDir: dist });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('serves index.html at / and for client routes, including embed links with dots in them', async () => {
    for (const url of ['/', '/usage', '/credit-history/grt_1', '/embed/te.org_1.abc.def']) {
      const res = await app.server.inject({ method: 'GET', url, headers: HTML });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.body).toContain('<div id="root">');
    }
  });

  it('serves hashed assets for good, and a missing asset is a 404', async () => {
    const asset = await app.server.inject({ method: 'GET', url: '/assets/app-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    const missing = await app.server.inject({ method: 'GET', url: '/assets/nope.js', headers: HTML });
    expect(missing.statusCode).toBe(404);
  });

  it('leaves /v1 to the API', async () => {
    const unknown = await app.server.inject({ method: 'GET', url: '/v1/orgs', headers: HTML });
    expect(unknown.statusCode).toBe(401);
    expect(JSON.parse(unknown.body).error.code).toBe('unauthorized');
    const health = await app.server.inject({ method: 'GET', url: '/healthz' });
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
  });
});
