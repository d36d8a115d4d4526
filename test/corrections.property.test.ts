import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { formatMicro, parseMicro } from '../src/domain/money.js';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/**
 * Random grants, events, voids, amends and clock moves across month ends
 * (so corrections of closed periods happen): conservation and no negative
 * block (`tally verify`'s proof), the statement identity and brought-forward
 * chain of every closed period, the Corrections line of each stored statement
 * equal to its adjustment entries, and every correction replayed changing nothing.
 */
type Op =
  | { kind: 'grant'; amount: number; priority: number; expiresInH: number | null }
  | { kind: 'use'; quantity: number }
  | { kind: 'void'; pick: number }
  | { kind: 'amend'; pick: number; quantity: number }
  | { kind: 'advance'; hours: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    amount: fc.integer({ min: 1, max: 40_000_000 }),
    priority: fc.constantFrom(10, 50, 90),
    expiresInH: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }),
  }),
  fc.record({ kind: fc.constant('use' as const), quantity: fc.integer({ min: 0, max: 30_000_000 }) }),
  fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('amend' as const), pick: fc.nat(), quantity: fc.integer({ min: 0, max: 30_000_000 }) }),
  fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 200 }) }),
);

const HOUR = 3_600_000;
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));

describe.each(testDatabases)('usage correction properties on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-05-25T00:00:00Z');
  });
  afterAll(() => app.close());

  it('conserves credits, keeps every closed statement adding up, and replays change nothing', async () => {
    let run = 0;
    let closedCorrections = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 2, maxLength: 12 }), async (ops) => {
        run += 1;
        // each run starts a few days before a month end, in its own organization
        app.clock.set(Date.parse('2026-05-27T00:00:00Z') + run * 62 * 24 * HOUR);
        const org = await seedOrg(app, { name: `corr-prop-${run}` });
        const events: string[] = [];
        const corrections: { url: string; body: unknown }[] = [];
        let n = 0;
        for (const o of ops) {
          const now = app.clock.now().getTime();
          if (o.kind === 'grant') {
            const res = await app.call('POST', `/v1/orgs/${org}/grants`, {
              name: 'g',
              source: 'included',
              amount: formatMicro(BigInt(o.amount)),
              priority: o.priority,
              expires_at: o.expiresInH === null ? null : new Date(now + o.expiresInH * HOUR).toISOString(),
            });
            expect(res.status, res.text).toBe(201);
          } else if (o.kind === 'use') {
            const id = `cp${run}-${n++}`;
            const res = await app.call('POST', '/v1/events', {
              events: [{ id, org, meter: 'tokens', quantity: formatMicro(BigInt(o.quantity)), timestamp: new Date(now).toISOString() }],
            });
            expect(res.status, res.text).toBe(200);
            events.push(id);
          } else if ((o.kind === 'void' || o.kind === 'amend') && events.length > 0) {
            const id = events[o.pick % events.length]!;
            const url = `/v1/orgs/${org}/events/${id}/${o.kind}`;
            const body = o.kind === 'amend' ? { quantity: formatMicro(BigInt(o.quantity)) } : undefined;
            const res = await app.call('POST', url, body);
            // a voided event cannot be amended (409); an old one is outside the 35-day grace window (422)
            expect([200, 409, 422], res.text).toContain(res.status);
            if (res.status === 200) corrections.push({ url, body });
          } else if (o.kind === 'advance') {
            app.clock.advance(o.hours * HOUR);
            await app.scheduler.runOnce();
          }
        }
        // close the period we are in too
        app.clock.advance(32 * 24 * HOUR);
        await app.scheduler.runOnce();

        const proof = await app.db.read((q) => proveOrg(q, org));
        expect(proof.ok, json(proof)).toBe(true);

        const stored = await app.db.read((q) =>
          rows<Record<string, string>>(
            q,
            sql`select period, brought_forward::text, purchased::text, granted::text, adjustments::text, consumed::text,
                  expired::text, forfeited::text, corrections::text, closing::text, starts_at, ends_at
                from statements where org_id = ${org} order by period`,
          ),
        );
        expect(stored.length).toBeGreaterThan(0);
        let previous: bigint | null = null;
        for (const s of stored) {
          const b = (k: string) => BigInt(s[k]!);
          expect(b('closing'), json(s)).toBe(
            b('brought_forward') + b('purchased') + b('granted') + b('adjustments') - b('consumed') - b('expired') - b('forfeited'),
          );
          if (previous !== null) expect(b('brought_forward')).toBe(previous);
          previous = b('closing');
          // the Corrections line is exactly the period's adjustment entries on `consumed`
          const [adj] = await app.db.read((q) =>
            rows<{ c: string }>(
              q,
              sql`select coalesce(sum(case when from_account = 'consumed' then amount else -amount end), 0)::text as c
                  from ledger_entries where org_id = ${org} and type = 'adjustment' and 'consumed' in (from_account, to_account)
                    and occurred_at >= ${s.starts_at} and occurred_at < ${s.ends_at}`,
            ),
          );
          expect(b('corrections')).toBe(BigInt(adj!.c));
        }

        // every correction again: nothing changes (voided stays voided; an amend to the current values is a no-op)
        const before = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
        const count = async () =>
          (await app.db.read((q) => rows<{ n: number }>(q, sql`select count(*)::int as n from ledger_entries where org_id = ${org}`)))[0]!.n;
        const entries = await count();
        const last = new Map<string, { url: string; body: unknown }>();
        for (const c of corrections) last.set(c.url.replace(/\/(void|amend)$/, ''), c);
        for (const c of last.values()) {
          const res = await app.call('POST', c.url, c.body);
          if (res.status === 200) expect(res.body.changed).toBe(false);
          else expect(res.status).toBe(422); // now outside the grace window
        }
        expect(await count()).toBe(entries);
        expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body).toEqual(before);
        expect(parseMicro(before.available)).toBeGreaterThanOrEqual(0n);
        closedCorrections += stored.filter((s) => s.corrections !== '0').length;
      }),
      {
        numRuns: 12,
        // one sequence that surely corrects usage of a closed period, with an expired block and overage
        examples: [
          [
            [
              { kind: 'grant', amount: 5_000_000, priority: 10, expiresInH: 24 },
              { kind: 'grant', amount: 3_000_000, priority: 50, expiresInH: null },
              { kind: 'use', quantity: 10_000_000 },
              { kind: 'use', quantity: 1_000_000 },
              { kind: 'advance', hours: 150 },
              { kind: 'grant', amount: 4_000_000, priority: 50, expiresInH: null },
              { kind: 'amend', pick: 1, quantity: 2_000_000 },
              { kind: 'void', pick: 0 },
            ],
          ],
        ],
      },
    );
    expect(closedCorrections).toBeGreaterThan(0);
  });
});
