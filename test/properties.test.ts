import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMicro, parseMicro } from '../src/domain/money.js';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/**
 * SPEC §3.13 items 1–4 and 8 over random sequences of grants, usage, voids,
 * bad input and clock moves, checked against a small independent model of
 * the draw-down order.
 */
type Op =
  | { kind: 'grant'; amount: number; priority: number; expiresInH: number | null; startsInH: number }
  | { kind: 'use'; quantity: number }
  | { kind: 'void'; pick: number }
  | { kind: 'advance'; hours: number }
  | { kind: 'bad' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    amount: fc.integer({ min: 1, max: 50_000_000 }),
    priority: fc.constantFrom(10, 50, 50, 90),
    expiresInH: fc.option(fc.integer({ min: 1, max: 72 }), { nil: null }),
    startsInH: fc.constantFrom(0, 0, 0, 5),
  }),
  fc.record({ kind: fc.constant('use' as const), quantity: fc.integer({ min: 0, max: 30_000_000 }) }),
  fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 30 }) }),
  fc.constant({ kind: 'bad' as const }),
);

interface ModelBlock {
  grantId: string;
  priority: number;
  startsAt: number;
  expiresAt: number | null;
  seq: number;
  remaining: bigint;
}

class Model {
  blocks: ModelBlock[] = [];
  overage = 0n;
  private seq = 0;

  active(now: number): ModelBlock[] {
    return this.blocks
      .filter((b) => b.startsAt <= now && (b.expiresAt === null || now < b.expiresAt) && b.remaining > 0n)
      .sort(
        (a, b) =>
          a.priority - b.priority ||
          (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity) ||
          a.startsAt - b.startsAt ||
          a.seq - b.seq,
      );
  }

  private pay(amount: bigint, now: number): bigint {
    let due = amount;
    for (const b of this.active(now)) {
      const take = b.remaining < due ? b.remaining : due;
      b.remaining -= take;
      due -= take;
    }
    return due;
  }

  grant(grantId: string, amount: bigint, priority: number, startsAt: number, expiresAt: number | null, now: number) {
    this.blocks.push({ grantId, priority, startsAt, expiresAt, seq: this.seq++, remaining: amount });
    this.overage = this.pay(this.overage, now);
  }

  use(cost: bigint, now: number) {
    if (cost === 0n) return;
    this.overage = this.pay(this.overage, now);
    this.overage += this.pay(cost, now);
  }

  void(grantId: string) {
    for (const b of this.blocks) if (b.grantId === grantId) b.remaining = 0n;
  }

  /** The scheduler: blocks that have started repay overage, then expired blocks are swept. */
  tick(now: number) {
    this.overage = this.pay(this.overage, now);
    for (const b of this.blocks) if (b.expiresAt !== null && b.expiresAt <= now) b.remaining = 0n;
  }
}

const HOUR = 3_600_000;

describe.each(testDatabases)('ledger properties on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-05-02T00:00:00Z');
  });
  afterAll(() => app.close());

  it('conserves credits, keeps blocks non-negative, follows §3.3 and is idempotent', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        run += 1;
        app.clock.set(Date.parse('2026-05-02T00:00:00Z') + run * 30 * 24 * HOUR);
        const org = await seedOrg(app, { name: `prop-${run}` });
        const model = new Model();
        const grants: string[] = [];
        const batches: unknown[] = [];
        let n = 0;
        for (const o of ops) {
          const now = app.clock.now().getTime();
          if (o.kind === 'grant') {
            const startsAt = now + o.startsInH * HOUR;
            const expiresAt = o.expiresInH === null ? null : startsAt + o.expiresInH * HOUR;
            const res = await app.call('POST', `/v1/orgs/${org}/grants`, {
              name: 'g',
              source: 'included',
              amount: formatMicro(BigInt(o.amount)),
              priority: o.priority,
              starts_at: new Date(startsAt).toISOString(),
              expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString(),
            });
            expect(res.status).toBe(201);
            grants.push(res.body.id);
            model.grant(res.body.id, BigInt(o.amount), o.priority, startsAt, expiresAt, now);
          } else if (o.kind === 'use') {
            const events = [{ id: `p${run}-${n++}`, org, meter: 'tokens', quantity: formatMicro(BigInt(o.quantity)), timestamp: new Date(now).toISOString() }];
            batches.push({ events });
            const res = await app.call('POST', '/v1/events', { events });
            expect(res.status).toBe(200);
            model.use(BigInt(o.quantity), now);
          } else if (o.kind === 'void' && grants.length > 0) {
            const id = grants[o.pick % grants.length]!;
            const res = await app.call('POST', `/v1/orgs/${org}/grants/${id}/void`, {});
            expect([200, 409]).toContain(res.status);
            model.void(id);
          } else if (o.kind === 'advance') {
            app.clock.advance(o.hours * HOUR);
            await app.scheduler.runOnce();
            model.tick(app.clock.now().getTime());
          } else if (o.kind === 'bad') {
            const res = await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'bad', source: 'included', amount: '0.0000001' });
            expect(res.status).toBe(400);
          }
        }
        // 1–2: conservation, caches equal derived balances, no block below zero
        const proof = await app.db.read((q) => proveOrg(q, org));
        expect(proof.ok, JSON.stringify(proof, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(true);
        // 4: every block holds what the model's draw-down order leaves in it
        const listed = (await app.call('GET', `/v1/orgs/${org}/grants?limit=1000`)).body.data as {
          id: string;
          blocks: { remaining: string }[];
        }[];
        for (const g of listed) {
          const expected = model.blocks.filter((b) => b.grantId === g.id).reduce((s, b) => s + b.remaining, 0n);
          expect(parseMicro(g.blocks[0]!.remaining)).toBe(expected);
        }
        const balance = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
        expect(parseMicro(balance.overage)).toBe(model.overage);
        // 3: replaying every batch changes nothing
        for (const b of batches) {
          const replay = await app.call('POST', '/v1/events', b);
          expect(replay.body.accepted).toBe(0);
        }
        expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body).toEqual(balance);
      }),
      { numRuns: 25 },
    );
  });
});
