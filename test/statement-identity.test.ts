import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { ingest, micro, rawBalanceBefore } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

const HOUR = 3_600_000;
const microString = (m: number) => `${Math.floor(m / 1e6)}.${String(m % 1e6).padStart(6, '0')}`;

const op = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    amount: fc.integer({ min: 1, max: 2_000_000_000 }),
    source: fc.constantFrom('included', 'purchased', 'promotional', 'adjustment'),
    startsIn: fc.integer({ min: -48, max: 400 }),
    expiresAfter: fc.option(fc.integer({ min: 1, max: 2000 })),
  }),
  fc.record({ kind: fc.constant('use' as const), quantity: fc.integer({ min: 1, max: 300_000_000 }), lateHours: fc.integer({ min: 0, max: 600 }) }),
  fc.record({ kind: fc.constant('void' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 24 * 45 }) }),
  fc.record({ kind: fc.constant('tick' as const) }),
);

describe.each(testDatabases)('statement identity on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-01-15T12:00:00Z');
  });
  afterAll(() => app.close());

  it('holds for every closed period over random grants, usage, voids, expiries and clock moves', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham'),
        fc.array(op, { minLength: 4, maxLength: 22 }),
        async (timezone, ops) => {
          const org = await seedOrg(app, { timezone });
          const grants: string[] = [];
          for (const o of ops) {
            const now = app.clock.now().getTime();
            if (o.kind === 'grant') {
              const startsAt = new Date(now + o.startsIn * HOUR);
              const res = await app.call('POST', `/v1/orgs/${org}/grants`, {
                name: 'g',
                source: o.source,
                amount: microString(o.amount),
                starts_at: startsAt.toISOString(),
                ...(o.expiresAfter === null ? {} : { expires_at: new Date(startsAt.getTime() + o.expiresAfter * HOUR).toISOString() }),
              });
              expect(res.status).toBe(201);
              grants.push(res.body.id);
            } else if (o.kind === 'use') {
              await ingest(app, org, [{ quantity: microString(o.quantity), at: new Date(now - o.lateHours * HOUR).toISOString(), job_id: 'j' }]);
            } else if (o.kind === 'void' && grants.length > 0) {
              const res = await app.call('POST', `/v1/orgs/${org}/grants/${grants[o.index % grants.length]}/void`, {});
              expect([200, 409]).toContain(res.status);
            } else if (o.kind === 'advance') {
              app.clock.advance(o.hours * HOUR);
            } else if (o.kind === 'tick') {
              await app.scheduler.runOnce();
            }
          }
          app.clock.advance(40 * 24 * HOUR);
          await app.scheduler.runOnce();

          const list = await app.call('GET', `/v1/orgs/${org}/statements`);
          const closed = list.body.data.filter((p: { status: string }) => p.status === 'closed').reverse();
          expect(closed.length).toBeGreaterThan(0);
          // every ended period was stored by the close job (none failed)
          const storedPeriods = await app.db.read((q) => rows<{ period: string }>(q, sql`select period from statements where org_id = ${org} order by period`));
          expect(storedPeriods.map((r) => r.period)).toEqual(closed.map((p: { period: string }) => p.period));
          let previousClosing = 0n;
          const stored: unknown[] = [];
          for (const p of closed) {
            const s = (await app.call('GET', `/v1/orgs/${org}/statements/${p.period}`)).body;
            stored.push(s);
            const v = Object.fromEntries(Object.entries(s.summary).map(([k, x]) => [k, micro(x as string)]));
            expect(v.closing).toBe(v.brought_forward! + v.purchased! + v.granted! + v.adjustments! - v.consumed! - v.expired!);
            expect(v.brought_forward).toBe(previousClosing);
            expect(v.brought_forward).toBe(await rawBalanceBefore(app, org, s.starts_at));
            expect(v.closing).toBe(await rawBalanceBefore(app, org, s.ends_at));
            expect(micro(s.days[s.days.length - 1].balance)).toBe(v.closing);
            expect(s.days.reduce((sum: bigint, d: { credits_used: string }) => sum + micro(d.credits_used), 0n)).toBe(v.consumed);
            previousClosing = v.closing!;
          }
          // More activity, including a late event, never changes a closed statement.
          await ingest(app, org, [{ quantity: '3', at: new Date(app.clock.now().getTime() - 20 * 24 * HOUR).toISOString() }]);
          await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'late', source: 'purchased', amount: '5', starts_at: '2026-01-01T00:00:00Z' });
          await app.scheduler.runOnce();
          for (const [i, p] of closed.entries()) {
            expect((await app.call('GET', `/v1/orgs/${org}/statements/${p.period}`)).body).toEqual(stored[i]);
          }
          const current = (await app.call('GET', `/v1/orgs/${org}/statements/current`)).body;
          expect(micro(current.summary.brought_forward)).toBe(previousClosing);
        },
      ),
      { numRuns: target.name === 'pglite' ? 12 : 8 },
    );
  }, 300_000);
});
