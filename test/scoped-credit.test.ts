import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { blockApplies, type AppliesTo } from '../src/domain/appliesTo.js';
import { formatMicro, parseMicro } from '../src/domain/money.js';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { eventId, seedOrg, startTestApp, TEST_METERS, type TestApp } from './helpers/app.js';
import { micro, rawBalanceBefore } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

const HOUR = 3_600_000;
const CATEGORY: Record<string, string> = Object.fromEntries(Object.entries(TEST_METERS).map(([k, m]) => [k, m.category]));

/** Every credit a block paid (usage and overage repayment) with the usage it paid for and the grant's scope. */
async function paidFrom(app: TestApp, org: string) {
  return app.db.read((q) =>
    rows<{ appliesTo: AppliesTo | null; meter: string | null; toAccount: string; amount: string }>(
      q,
      sql`select g.applies_to as "appliesTo", ev.meter, l.to_account as "toAccount", l.amount::text as amount
          from ledger_entries l join grants g on g.org_id = l.org_id and g.id = l.grant_id
          left join events ev on ev.org_id = l.org_id and ev.id = l.event_id
          where l.org_id = ${org} and l.type = 'usage' and l.from_account like 'block:%'`,
    ),
  );
}

/**
 * Credits scoped to usage (SPEC §3.16): a grant with applies_to pays only for
 * the meters and categories it names, in the §3.3 order; other usage is paid
 * by other blocks or is overage; balances list the scoped part.
 */
describe.each(testDatabases)('scoped credits on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-05-02T00:00:00Z');
  });
  afterAll(() => app.close());

  const use = async (org: string, meter: string, quantity: string, at = app.clock.now()) => {
    const res = await app.call('POST', '/v1/events', { events: [{ id: eventId(), org, meter, quantity, timestamp: at.toISOString() }] });
    expect(res.status).toBe(200);
    expect(res.body.results[0].status).toBe('accepted');
  };

  it('pays usage only from blocks that apply to it; the rest is overage; balances list the scoped part', async () => {
    const org = await seedOrg(app, { name: 'scoped' });
    const call = (m: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) => app.call(m, `/v1/orgs/${org}${path}`, body);
    // the chat-only promotion comes first in §3.3 order (lower priority), yet pays nothing else
    const promo = await call('POST', '/grants', { name: 'Chat promo', source: 'promotional', amount: '10', priority: 10, applies_to: { categories: ['agent_chat'] } });
    expect(promo.status).toBe(201);
    const plan = await call('POST', '/grants', { name: 'Plan', source: 'included', amount: '5', priority: 50 });
    expect(plan.status).toBe(201);
    expect((await call('GET', '/balance')).body).toMatchObject({ available: '15', scoped: [{ applies_to: { categories: ['agent_chat'] }, available: '10' }] });

    // a check for a meter counts only what could pay for it
    await call('PATCH', '/groups/grp_default', { monthly_allocation: '1000' });
    await call('POST', '/members', { id: 'ann', email: 'ann@x.test', name: 'Ann', role: 'member', monthly: null });
    expect((await call('POST', '/check', { member: 'ann', amount: '12', meter: 'tokens' })).body).toMatchObject({ allowed: true });
    const runs = await call('POST', '/check', { member: 'ann', amount: '6', meter: 'runs' });
    expect(runs.body).toMatchObject({ allowed: false, limited_by: 'balance' });
    expect(runs.body.message).toContain('5');
    expect((await call('POST', '/check', { member: 'ann', amount: '6' })).body.allowed).toBe(true);

    // 8 runs (2 credits): the plan pays, the chat promotion is untouched
    for (let i = 0; i < 8; i++) await use(org, 'runs', '1');
    // 12 tokens: the promotion pays 10, the plan 2
    await use(org, 'tokens', '12');
    expect((await call('GET', '/balance')).body).toMatchObject({ available: '1', scoped: [], overage: '0' });
    // 6 runs (1.5 credits): the plan's last credit, 0.5 overage; no scoped block pays it
    for (let i = 0; i < 6; i++) await use(org, 'runs', '1');
    expect((await call('GET', '/balance')).body).toMatchObject({ available: '0', overage: '0.5' });

    // a later scoped grant does not repay the overage (its origin is not recorded); an unscoped one does
    await call('POST', '/grants', { name: 'Chat promo 2', source: 'promotional', amount: '3', applies_to: { meters: ['tokens'] } });
    expect((await call('GET', '/balance')).body).toMatchObject({ available: '3', overage: '0.5', scoped: [{ applies_to: { meters: ['tokens'] }, available: '3' }] });
    await call('POST', '/grants', { name: 'Top-up', source: 'purchased', amount: '2' });
    expect((await call('GET', '/balance')).body).toMatchObject({ available: '4.5', overage: '0' });

    for (const p of await paidFrom(app, org)) {
      if (p.toAccount === 'overage') expect(p.appliesTo).toBeNull();
      else expect(blockApplies(p.appliesTo, { key: p.meter!, category: CATEGORY[p.meter!]! })).toBe(true);
    }
    expect((await app.db.read((q) => proveOrg(q, org))).ok).toBe(true);
  });

  it('property: scoped blocks never pay foreign usage; conservation and the statement identity hold', async () => {
    let run = 0;
    const scopes: (AppliesTo | null)[] = [null, { meters: ['tokens'] }, { categories: ['workflows'] }, { meters: ['runs'], categories: ['agent_chat'] }];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('grant' as const), amount: fc.integer({ min: 1, max: 20_000_000 }), scope: fc.nat(3), priority: fc.constantFrom(10, 50, 90), expiresInH: fc.option(fc.integer({ min: 1, max: 48 }), { nil: null }) }),
            fc.record({ kind: fc.constant('use' as const), meter: fc.constantFrom('tokens', 'runs'), quantity: fc.integer({ min: 0, max: 9_000_000 }), lateH: fc.constantFrom(0, 0, 3) }),
            fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 30 }) }),
          ),
          { minLength: 2, maxLength: 14 },
        ),
        async (ops) => {
          run += 1;
          app.clock.set(Date.parse('2026-06-01T00:00:00Z') + run * 90 * 24 * HOUR);
          const org = await seedOrg(app, { name: `scoped-${run}` });
          for (const o of ops) {
            const now = app.clock.now().getTime();
            if (o.kind === 'grant') {
              const res = await app.call('POST', `/v1/orgs/${org}/grants`, {
                name: 'g', source: 'included', amount: formatMicro(BigInt(o.amount)), priority: o.priority,
                ...(o.expiresInH === null ? {} : { expires_at: new Date(now + o.expiresInH * HOUR).toISOString() }),
                ...(scopes[o.scope] ? { applies_to: scopes[o.scope] } : {}),
              });
              expect(res.status).toBe(201);
            } else if (o.kind === 'use') {
              await use(org, o.meter, formatMicro(BigInt(o.quantity)), new Date(now - o.lateH * HOUR));
            } else {
              app.clock.advance(o.hours * HOUR);
              await app.scheduler.runOnce();
            }
          }
          for (const p of await paidFrom(app, org)) {
            if (p.toAccount === 'overage') expect(p.appliesTo).toBeNull();
            else expect(blockApplies(p.appliesTo, { key: p.meter!, category: CATEGORY[p.meter!]! })).toBe(true);
          }
          const proof = await app.db.read((q) => proveOrg(q, org));
          expect(proof.ok, JSON.stringify(proof, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(true);
          const balance = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
          const scopedSum = (balance.scoped as { available: string }[]).reduce((s, x) => s + parseMicro(x.available), 0n);
          expect(scopedSum <= parseMicro(balance.available) + parseMicro(balance.held)).toBe(true);

          app.clock.advance(40 * 24 * HOUR);
          await app.scheduler.runOnce();
          const closed = (await app.call('GET', `/v1/orgs/${org}/statements`)).body.data.filter((p: { status: string }) => p.status === 'closed').reverse();
          expect(closed.length).toBeGreaterThan(0);
          let previous = 0n;
          for (const p of closed) {
            const s = (await app.call('GET', `/v1/orgs/${org}/statements/${p.period}`)).body;
            const v = Object.fromEntries(Object.entries(s.summary).filter(([, x]) => typeof x === 'string').map(([k, x]) => [k, micro(x as string)]));
            expect(v.closing).toBe(v.brought_forward! + v.purchased! + v.granted! + v.adjustments! - v.consumed! - v.expired! - (v.forfeited ?? 0n));
            expect(v.brought_forward).toBe(previous);
            expect(v.closing).toBe(await rawBalanceBefore(app, org, s.ends_at));
            previous = v.closing!;
          }
        },
      ),
      { numRuns: target.name === 'pglite' ? 10 : 6 },
    );
  }, 300_000);
});
