import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { openPostgres, rows, type Database } from '../src/db/client.js';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { PLATFORM_KEY, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { ingest, micro, rawBalanceBefore } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';
import { checkStatementProof, type StatementProof } from '../src/domain/statementProof.js';

/** Another server process on the same database: its own pool on PostgreSQL, the same PGlite otherwise. */
async function secondInstance(app: TestApp) {
  const db: Database = app.db.kind === 'postgres' ? await openPostgres(app.db.url!, 5) : app.db;
  const other = await createApp({ db, clock: app.clock, platformKey: PLATFORM_KEY, log: pino({ level: 'error' }) });
  return {
    ...other,
    async shutdown() {
      await other.close();
      if (db !== app.db) await db.close();
    },
  };
}

const issuedStarts = (app: TestApp, org: string) =>
  app.db.read((q) =>
    rows<{ start: string }>(
      q,
      sql`select to_char(period_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI') as start from grant_schedule_issues
          where org_id = ${org} order by period_start`,
    ),
  ).then((r) => r.map((x) => x.start));

describe.each(testDatabases)('grant schedules on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-01-10T12:00:00Z');
  });
  afterAll(() => app.close());

  it('validates, is idempotent and audited', async () => {
    const org = await seedOrg(app);
    const bad = await app.call('POST', `/v1/orgs/${org}/grant-schedules`, { name: 'x', source: 'included', amount: '-1', cadence: 'calendar_month' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBeTruthy();
    const badCadence = await app.call('POST', `/v1/orgs/${org}/grant-schedules`, { name: 'x', source: 'included', amount: '1', cadence: 'fortnightly' });
    expect(badCadence.status).toBe(400);
    const badDuration = await app.call('POST', `/v1/orgs/${org}/grant-schedules`, {
      name: 'x', source: 'included', amount: '1', cadence: '1w', rollover: { max_percent: 101 },
    });
    expect(badDuration.status).toBe(400);
    const threeDecimals = await app.call('POST', `/v1/orgs/${org}/grant-schedules`, {
      name: 'x', source: 'included', amount: '1', cadence: '1w', rollover: { max_percent: 0.125 },
    });
    expect(threeDecimals.status).toBe(400);
    const badExpiry = await app.call('POST', `/v1/orgs/${org}/grant-schedules`, { name: 'x', source: 'included', amount: '1', cadence: '1w', expires_after: '1y' });
    expect(badExpiry.status).toBe(400);
    const body = { name: 'Monthly', source: 'included', amount: '100', cadence: 'calendar_month', rollover: { max_percent: 0.29 } };
    const first = await app.call('POST', `/v1/orgs/${org}/grant-schedules`, body, { 'idempotency-key': 'k1' });
    const again = await app.call('POST', `/v1/orgs/${org}/grant-schedules`, body, { 'idempotency-key': 'k1' });
    expect(first.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await app.call('GET', `/v1/orgs/${org}/grant-schedules`)).body.data).toHaveLength(1);
    expect((await app.call('GET', `/v1/orgs/${org}/grants`)).body.data).toHaveLength(1);
    expect(first.body).toMatchObject({ amount: '100', status: 'active', next_issue_at: '2026-02-01T00:00:00.000Z', rollover: { max_percent: 0.29, max_amount: null } });
    const patched = await app.call('PATCH', `/v1/orgs/${org}/grant-schedules/${first.body.id}`, { amount: '120', rollover: { max_amount: '10' } });
    expect(patched.body).toMatchObject({ amount: '120', rollover: { max_amount: '10', max_percent: null } });
    expect((await app.call('PATCH', `/v1/orgs/${org}/grant-schedules/${first.body.id}`, { rollover: null })).body.rollover).toBeNull();
    const ended = await app.call('POST', `/v1/orgs/${org}/grant-schedules/${first.body.id}/end`, undefined, { 'idempotency-key': 'end1' });
    app.clock.advance(60_000);
    // a replay of the end, a minute later, answers the same
    expect((await app.call('POST', `/v1/orgs/${org}/grant-schedules/${first.body.id}/end`, undefined, { 'idempotency-key': 'end1' })).body).toEqual(ended.body);
    expect(ended.body).toMatchObject({ status: 'ended', next_issue_at: null });
    expect((await app.call('POST', `/v1/orgs/${org}/grant-schedules/${first.body.id}/end`)).status).toBe(409);
    expect((await app.call('GET', `/v1/orgs/${org}/grant-schedules/gsc_nope`)).status).toBe(404);
    const audit = await app.db.read((q) => rows<{ action: string }>(q, sql`select action from audit_log where org_id = ${org} and action like 'grant_schedule.%' order by id`));
    expect(audit.map((a) => a.action)).toEqual(['grant_schedule.issue', 'grant_schedule.create', 'grant_schedule.update', 'grant_schedule.update', 'grant_schedule.end']);
  });

  it('issues each period exactly once across two instances, a restart and downtime, each with its own dates', async () => {
    app.clock.set('2026-01-10T12:00:00Z');
    const org = await seedOrg(app, { timezone: 'Europe/Paris' });
    const created = await app.call('POST', `/v1/orgs/${org}/grant-schedules`, { name: 'Included', source: 'included', amount: '100', cadence: 'calendar_month' });
    expect(created.status).toBe(201);
    // the period under way (local January) is issued at creation
    expect(await issuedStarts(app, org)).toEqual(['2025-12-31T23:00']);
    const b = await secondInstance(app);
    try {
      app.clock.set('2026-02-01T00:00:00Z'); // local February began an hour ago
      const racing = await Promise.all([app.scheduler.runOnce(), b.scheduler.runOnce(), app.scheduler.runOnce(), b.scheduler.runOnce()]);
      expect(racing.reduce((n, r) => n + r['grant-schedules']!, 0)).toBe(1);
      expect(await issuedStarts(app, org)).toEqual(['2025-12-31T23:00', '2026-01-31T23:00']);
    } finally {
      await b.shutdown();
    }
    // A restart: a fresh process (new scheduler, nothing in memory) after three months of downtime.
    const c = await secondInstance(app);
    try {
      app.clock.set('2026-05-15T09:00:00Z');
      const racing = await Promise.all([c.scheduler.runOnce(), app.scheduler.runOnce()]);
      expect(racing.reduce((n, r) => n + r['grant-schedules']!, 0)).toBe(3);
      expect((await c.scheduler.runOnce())['grant-schedules']).toBe(0);
    } finally {
      await c.shutdown();
    }
    expect(await issuedStarts(app, org)).toEqual(['2025-12-31T23:00', '2026-01-31T23:00', '2026-02-28T23:00', '2026-03-31T22:00', '2026-04-30T22:00']);
    // Missed months were issued late with their own dates (each expires at its own month's end).
    const grants = (await app.call('GET', `/v1/orgs/${org}/grants?status=all`)).body.data as { starts_at: string; expires_at: string; amount: string }[];
    expect(grants.map((g) => [g.starts_at, g.expires_at]).sort()).toEqual([
      ['2025-12-31T23:00:00.000Z', '2026-01-31T23:00:00.000Z'],
      ['2026-01-31T23:00:00.000Z', '2026-02-28T23:00:00.000Z'],
      ['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'],
      ['2026-03-31T22:00:00.000Z', '2026-04-30T22:00:00.000Z'],
      ['2026-04-30T22:00:00.000Z', '2026-05-31T22:00:00.000Z'],
    ]);
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body).toMatchObject({ available: '100' });
    const view = (await app.call('GET', `/v1/orgs/${org}/grant-schedules/${created.body.id}`)).body;
    expect(view).toMatchObject({ next_issue_at: '2026-05-31T22:00:00.000Z' });
    expect(view.issued).toHaveLength(5);
    expect((await app.db.read((q) => proveOrg(q, org))).ok).toBe(true);
  }, 120_000);

  it('rolls unused credit over up to the cap (amount, percent, both) and forfeits the rest; statements add up', async () => {
    app.clock.set('2026-03-10T12:00:00Z');
    const cases = [
      { rollover: { max_amount: '30' }, use: '40', rolled: '30', forfeited: '30' },
      { rollover: { max_percent: 12.5, max_amount: '50', priority: 5, expires_after: '2w' }, use: '10', rolled: '12.5', forfeited: '77.5' },
      { rollover: { max_percent: 50 }, use: '80', rolled: '20', forfeited: '0' },
    ];
    const orgs: string[] = [];
    for (const c of cases) {
      const org = await seedOrg(app);
      const res = await app.call('POST', `/v1/orgs/${org}/grant-schedules`, {
        name: 'Monthly', source: 'included', amount: '100', cadence: 'calendar_month', rollover: c.rollover,
      });
      expect(res.status).toBe(201);
      await ingest(app, org, [{ quantity: c.use, at: '2026-03-10T11:00:00Z' }]);
      orgs.push(org);
    }
    app.clock.set('2026-04-02T00:00:00Z');
    await Promise.all([app.scheduler.runOnce(), app.scheduler.runOnce()]);
    for (const [i, c] of cases.entries()) {
      const org = orgs[i]!;
      const rolled = await app.db.read((q) =>
        rows<{ n: bigint; total: bigint }>(q, sql`select count(*) as n, coalesce(sum(amount), 0) as total from ledger_entries
          where org_id = ${org} and type = 'rollover' and to_account = 'rollover'`),
      );
      expect(Number(rolled[0]!.n)).toBe(c.rolled === '0' ? 0 : 1);
      expect(BigInt(rolled[0]!.total)).toBe(micro(c.rolled));
      // April: the new month's 100 plus what rolled over
      const balance = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
      expect(micro(balance.available)).toBe(micro('100') + micro(c.rolled));
      const april = (await app.call('GET', `/v1/orgs/${org}/statements/2026-04`)).body.summary;
      expect(april).toMatchObject({ brought_forward: String(100 - Number(c.use)), granted: '100', rolled_over: c.rolled, forfeited: c.forfeited, expired: '0' });
      expect((await app.db.read((q) => proveOrg(q, org))).ok).toBe(true);
    }
    const audited = await app.db.read((q) =>
      rows<{ after: Record<string, unknown> }>(q, sql`select after from audit_log where org_id = ${orgs[1]} and action = 'grant.rollover'`),
    );
    expect(audited.map((a) => a.after)).toMatchObject([{ rolled_over: '12.5', forfeited: '77.5' }]);
    // The rolled-over block is its own grant: own priority and expiry, linked to the expired one.
    const grants = (await app.call('GET', `/v1/orgs/${orgs[1]}/grants?status=all`)).body.data as Record<string, unknown>[];
    const carried = grants.find((g) => (g.metadata as Record<string, unknown>).rolled_over_from);
    expect(carried).toMatchObject({ amount: '12.5', priority: 5, starts_at: '2026-04-01T00:00:00.000Z', expires_at: '2026-04-15T00:00:00.000Z' });
    const ledger = (await app.call('GET', `/v1/orgs/${orgs[1]}/grants/${carried!.id as string}/ledger`)).body.data;
    const expired = grants.find((g) => (g.metadata as Record<string, unknown>).rolled_over_into === carried!.id);
    expect(expired).toMatchObject({ status: 'expired', amount: '100', remaining: '0' });
    expect(ledger).toMatchObject([{ type: 'rollover', amount: '12.5', balance: '12.5', counterparty: 'rollover' }]);

    // May: the March rollover of org 0 expires unused (plain expiry), April's grant rolls 30 and forfeits 70.
    app.clock.set('2026-05-02T00:00:00Z');
    await app.scheduler.runOnce();
    const org = orgs[0]!;
    const aprilClosed = (await app.call('GET', `/v1/orgs/${org}/statements/2026-04`)).body;
    expect(aprilClosed.status).toBe('closed');
    expect(aprilClosed.summary).toMatchObject({ brought_forward: '60', granted: '100', rolled_over: '30', forfeited: '30', consumed: '0', closing: '130' });
    // The signed proof recomputes the Rolled over and Forfeited lines from the hashed entries (issue 15 part 3).
    const proof = (await app.call('GET', `/v1/orgs/${org}/statements/2026-04/proof`)).body as StatementProof;
    expect(proof.entries.some((e) => e.type === 'rollover' && e.in_period)).toBe(true);
    expect(checkStatementProof(proof)).toMatchObject({ ok: true, failures: [] });
    const may = (await app.call('GET', `/v1/orgs/${org}/statements/2026-05`)).body.summary;
    expect(may).toMatchObject({ brought_forward: '130', granted: '100', rolled_over: '30', forfeited: '70', expired: '30', closing: '130' });
    for (const o of orgs) {
      for (const period of ['2026-03', '2026-04']) {
        const s = (await app.call('GET', `/v1/orgs/${o}/statements/${period}`)).body;
        const v = Object.fromEntries(Object.entries(s.summary).map(([k, x]) => [k, micro(x as string)]));
        expect(v.closing).toBe(v.brought_forward! + v.purchased! + v.granted! + v.adjustments! - v.consumed! - v.expired! - v.forfeited!);
        expect(v.closing).toBe(await rawBalanceBefore(app, o, s.ends_at));
      }
      expect((await app.db.read((q) => proveOrg(q, o))).ok).toBe(true);
    }
    // Each expired scheduled block was settled once: one expiry-or-rollover booking per block.
    const twice = await app.db.read((q) =>
      rows(q, sql`select block_id from ledger_entries where type in ('expiry', 'rollover') and from_account like 'block:%'
        group by block_id, type having count(*) > 1`),
    );
    expect(twice).toEqual([]);
  }, 120_000);
});
