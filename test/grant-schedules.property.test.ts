import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { ingest, micro, rawBalanceBefore } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

const HOUR = 3_600_000;
const microString = (m: number) => `${Math.floor(m / 1e6)}.${String(m % 1e6).padStart(6, '0')}`;

const op = fc.oneof(
  fc.record({
    kind: fc.constant('schedule' as const),
    amount: fc.integer({ min: 1, max: 500_000_000 }),
    cadence: fc.constantFrom('calendar_month', '1w', '15d'),
    expiresAfter: fc.option(fc.constantFrom('36h', '10d', '1mo')),
    maxAmount: fc.option(fc.integer({ min: 1, max: 300_000_000 })),
    maxPercent: fc.option(fc.integer({ min: 0, max: 10_000 }).map((bp) => bp / 100)),
    rollover: fc.boolean(),
    rolloverExpires: fc.option(fc.constantFrom('1d', '2w')),
  }),
  fc.record({ kind: fc.constant('use' as const), quantity: fc.integer({ min: 1, max: 300_000_000 }), lateHours: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ kind: fc.constant('end' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 24 * 40 }) }),
  fc.record({ kind: fc.constant('tick' as const) }),
);

describe.each(testDatabases)('grant schedules property on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-01-15T12:00:00Z');
  });
  afterAll(() => app.close());

  it('conservation, no negative block, each period issued once and the statement identity over random schedules, usage and clock moves', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Australia/Sydney'), fc.array(op, { minLength: 3, maxLength: 14 }), async (timezone, ops) => {
        const org = await seedOrg(app, { timezone });
        const schedules: string[] = [];
        for (const o of ops) {
          const now = app.clock.now().getTime();
          if (o.kind === 'schedule') {
            const body = {
              name: 's',
              source: 'included',
              amount: microString(o.amount),
              cadence: o.cadence,
              ...(o.expiresAfter ? { expires_after: o.expiresAfter } : {}),
              ...(o.rollover
                ? {
                    rollover: {
                      ...(o.maxAmount === null ? {} : { max_amount: microString(o.maxAmount) }),
                      ...(o.maxPercent === null ? {} : { max_percent: o.maxPercent }),
                      ...(o.rolloverExpires ? { expires_after: o.rolloverExpires } : {}),
                    },
                  }
                : {}),
            };
            const key = `k${schedules.length}`;
            const res = await app.call('POST', `/v1/orgs/${org}/grant-schedules`, body, { 'idempotency-key': key });
            expect(res.status).toBe(201);
            // a replay answers the same and issues nothing more
            const replay = await app.call('POST', `/v1/orgs/${org}/grant-schedules`, body, { 'idempotency-key': key });
            expect(replay.body).toEqual(res.body);
            schedules.push(res.body.id);
          } else if (o.kind === 'use') {
            await ingest(app, org, [{ quantity: microString(o.quantity), at: new Date(now - o.lateHours * HOUR).toISOString() }]);
          } else if (o.kind === 'end' && schedules.length > 0) {
            const res = await app.call('POST', `/v1/orgs/${org}/grant-schedules/${schedules[o.index % schedules.length]}/end`);
            expect([200, 409]).toContain(res.status);
          } else if (o.kind === 'advance') {
            app.clock.advance(o.hours * HOUR);
          } else if (o.kind === 'tick') {
            await Promise.all([app.scheduler.runOnce(), app.scheduler.runOnce()]);
          }
        }
        app.clock.advance(35 * 24 * HOUR);
        await app.scheduler.runOnce();
        await app.scheduler.runOnce();

        const proof = await app.db.read((q) => proveOrg(q, org));
        expect(proof.ok).toBe(true);
        // Each schedule issued consecutive periods, none twice, none skipped, up to the one under way.
        const now = app.clock.now();
        for (const id of schedules) {
          const s = (await app.call('GET', `/v1/orgs/${org}/grant-schedules/${id}`)).body;
          const idx = await app.db.read((q) =>
            rows<{ i: number }>(q, sql`select period_index as i from grant_schedule_issues where org_id = ${org} and schedule_id = ${id} order by 1`),
          );
          const indexes = idx.map((r) => Number(r.i));
          for (let k = 1; k < indexes.length; k++) expect(indexes[k]).toBe(indexes[k - 1]! + 1);
          if (s.next_issue_at !== null) expect(new Date(s.next_issue_at) > now).toBe(true);
          const last = s.issued[s.issued.length - 1];
          if (last) expect(new Date(last.period_start) <= now).toBe(true);
        }
        // Every rollover took out what it put in; every settled scheduled block was settled once.
        const [transit] = await app.db.read((q) =>
          rows<{ out: bigint | null; into: bigint | null }>(q, sql`select
            sum(case when to_account = 'rollover' then amount end) as out, sum(case when from_account = 'rollover' then amount end) as into
            from ledger_entries where org_id = ${org}`),
        );
        expect(String(transit!.out ?? 0)).toBe(String(transit!.into ?? 0));

        const list = await app.call('GET', `/v1/orgs/${org}/statements`);
        const closed = list.body.data.filter((p: { status: string }) => p.status === 'closed').reverse();
        let previousClosing = 0n;
        for (const p of closed) {
          const s = (await app.call('GET', `/v1/orgs/${org}/statements/${p.period}`)).body;
          const v = Object.fromEntries(Object.entries(s.summary).map(([k, x]) => [k, micro(x as string)]));
          expect(v.closing).toBe(v.brought_forward! + v.purchased! + v.granted! + v.adjustments! - v.consumed! - v.expired! - v.forfeited!);
          expect(v.brought_forward).toBe(previousClosing);
          expect(v.closing).toBe(await rawBalanceBefore(app, org, s.ends_at));
          previousClosing = v.closing!;
        }
      }),
      { numRuns: target.name === 'pglite' ? 8 : 5 },
    );
  }, 600_000);
});
