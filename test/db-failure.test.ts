import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_KEY, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { openPostgres } from '../src/db/client.js';
import { createFreshPostgres, hasPostgres, testDatabases } from './helpers/db.js';

const postgres = testDatabases.filter((t) => t.name === 'postgres');

/**
 * Issue 11, failure containment on PostgreSQL: a connection killed under a running export cuts that
 * transfer only; every pooled connection killed at once leaves a server that answers again without a
 * restart, with 503 database_unavailable (and Retry-After) for whatever fails meanwhile.
 */
describe.skipIf(!hasPostgres).each(postgres)('database failures on $name', (target) => {
  let app: TestApp;
  let org: string;
  let admin: pg.Client;
  let base: string;
  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'g', source: 'included', amount: '100000' });
    // Enough wide rows that the first page of the export (5,000 rows) is several MB: more than the
    // socket buffers, so the server waits on the paused client before it reads the second page.
    const wide = 'x'.repeat(190);
    const now = app.clock.now().toISOString();
    for (let b = 0; b < 6; b++) {
      const events = Array.from({ length: 1000 }, (_, i) => ({
        id: `ex-${b}-${i}`, org, meter: 'tokens', quantity: '1', timestamp: now,
        user: wide, project: wide, job_id: wide, job_name: wide, resource_class: wide, properties: { pad: 'y'.repeat(1500) },
      }));
      const res = await app.call('POST', '/v1/events', { events });
      expect(res.status, res.text).toBe(200);
    }
    admin = new pg.Client({ connectionString: app.db.url });
    await admin.connect();
    await app.server.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    await admin.end();
    await app.close();
  });

  const others = `select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;

  it('a connection killed mid-export cuts that transfer; the process lives and answers', async () => {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(`${base}/v1/orgs/${org}/events/export.csv`, { headers: { authorization: `Bearer ${PLATFORM_KEY}` } }, resolve);
      req.on('error', reject);
      req.end();
    });
    expect(response.statusCode).toBe(200);
    let received = 0;
    const ended = new Promise<'complete' | 'cut'>((resolve) => {
      response.on('data', (chunk: Buffer) => (received += chunk.length));
      response.on('end', () => resolve(response.complete ? 'complete' : 'cut'));
      response.on('aborted', () => resolve('cut'));
      response.on('error', () => resolve('cut'));
      response.on('close', () => resolve(response.complete ? 'complete' : 'cut'));
    });
    response.pause();
    // The next page's read waits behind this lock; then its connection is killed.
    await admin.query('begin');
    await admin.query('lock table events in access exclusive mode');
    response.resume();
    let killed = 0;
    for (let i = 0; i < 500 && killed === 0; i++) {
      const waiting = await admin.query(`${others} and wait_event_type = 'Lock'`);
      for (const row of waiting.rows as { pid: number }[]) {
        await admin.query('select pg_terminate_backend($1)', [row.pid]);
        killed++;
      }
      if (killed === 0) await new Promise((r) => setTimeout(r, 20));
    }
    await admin.query('rollback');
    expect(killed).toBeGreaterThan(0);
    expect(await ended).toBe('cut');
    expect(received).toBeGreaterThan(0);
    // the process is alive and serves
    const balance = await fetch(`${base}/v1/orgs/${org}/balance`, { headers: { authorization: `Bearer ${PLATFORM_KEY}` } });
    expect([200, 503]).toContain(balance.status);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 120_000);

  it('every pooled connection killed: the server still answers, and serves again without a restart', async () => {
    // fill the pool with idle connections, then kill them all
    await Promise.all(Array.from({ length: 8 }, () => app.call('GET', `/v1/orgs/${org}/balance`)));
    const killed = await admin.query(`select pg_terminate_backend(pid) from (${others}) p`);
    expect(killed.rowCount).toBeGreaterThan(0);
    const statuses: number[] = [];
    let last = await app.call('GET', `/v1/orgs/${org}/balance`);
    for (let i = 0; i < 20 && last.status !== 200; i++) {
      statuses.push(last.status);
      expect(last.status).toBe(503);
      expect(last.body.error.code).toBe('database_unavailable');
      expect(last.headers['retry-after']).toBe('5');
      last = await app.call('GET', `/v1/orgs/${org}/balance`);
    }
    expect(last.status, last.text).toBe(200);
    expect((await app.call('GET', '/readyz')).status).toBe(200);
  });
});

/**
 * The database dropped (or renamed) under a running server: every new connection is refused with
 * 3D000 "database does not exist". That is the database being unavailable (503, Retry-After), not a
 * fault in the request (it used to answer 500 internal).
 */
describe.skipIf(!hasPostgres)('the database dropped under a running server', () => {
  it('answers 503 database_unavailable, and the process lives', async () => {
    const fresh = await createFreshPostgres(process.env.TALLY_TEST_DATABASE_URL!);
    const app = await startTestApp({ name: 'postgres', open: () => openPostgres(fresh.url, 4) });
    try {
      const org = await seedOrg(app);
      expect((await app.call('GET', `/v1/orgs/${org}/balance`)).status).toBe(200);
      const admin = new pg.Client({ connectionString: process.env.TALLY_TEST_DATABASE_URL });
      await admin.connect();
      const name = new URL(fresh.url).pathname.slice(1);
      await admin.query(`drop database ${name} with (force)`);
      await admin.end();
      for (const call of [() => app.call('GET', `/v1/orgs/${org}/balance`), () => app.call('POST', '/v1/events', { events: [{ id: 'e1', org, meter: 'tokens', quantity: '1', timestamp: app.clock.now().toISOString() }] })]) {
        const res = await call();
        expect(res.status, res.text).toBe(503);
        expect(res.body.error.code).toBe('database_unavailable');
        expect(res.headers['retry-after']).toBe('5');
      }
      expect((await app.call('GET', '/healthz')).status).toBe(200);
      expect((await app.call('GET', '/readyz')).status).toBe(503);
    } finally {
      await app.close();
      await fresh.drop();
    }
  }, 60_000);
});
