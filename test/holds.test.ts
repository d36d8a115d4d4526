import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

describe.each(testDatabases)('holds and admission on $name', (target) => {
  let app: TestApp;
  let org: string;
  const base = () => `/v1/orgs/${org}`;
  const member = async (id: string, monthly: string | null) => {
    const res = await app.call('POST', `${base()}/members`, { id, email: `${id}@x.test`, name: id, role: 'member', monthly });
    expect(res.status).toBe(201);
  };
  const ledgerTotal = async () => {
    const [r] = await app.db.read((q) => rows<{ n: bigint; s: bigint }>(q, sql`select count(*)::bigint as n, coalesce(sum(case when to_account = 'held' then amount when from_account = 'held' then -amount else 0 end), 0)::bigint as s from ledger_entries where org_id = ${org}`));
    return { entries: Number(r!.n), held: BigInt(r!.s) };
  };

  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
    org = await seedOrg(app);
    await app.call('POST', `${base()}/grants`, { name: 'Plan', source: 'included', amount: '1000' });
    await app.call('PATCH', `${base()}/groups/grp_default`, { monthly_allocation: '500' });
  });
  afterAll(() => app.close());

  it('holds reduce available; capture turns them into usage of the member, group and cycle', async () => {
    await member('ivy', '10');
    const hold = await app.call('POST', `${base()}/holds`, { member: 'ivy', amount: '4', job_id: 'train-1' });
    expect(hold.status).toBe(201);
    expect(hold.body).toMatchObject({ member: 'ivy', amount: '4', status: 'open', job_id: 'train-1' });
    expect((await app.call('GET', `${base()}/balance`)).body).toMatchObject({ available: '996', held: '4' });
    const check = await app.call('POST', `${base()}/check`, { member: 'ivy', amount: '7' });
    expect(check.body).toMatchObject({ allowed: false, limited_by: 'member', remaining: { member: '6', balance: '996' } });

    const cap = await app.call('POST', `${base()}/holds/${hold.body.id}/capture`, { amount: '3' });
    expect(cap.status).toBe(200);
    expect(cap.body).toMatchObject({ status: 'captured', captured_amount: '3' });
    expect((await app.call('GET', `${base()}/balance`)).body).toMatchObject({ available: '997', held: '0' });
    expect((await app.call('GET', `${base()}/members/ivy`)).body).toMatchObject({ used: '3', held: '0', remaining: '7' });
    expect((await app.call('GET', `${base()}/cycle`)).body.used).toBe('3');
    const g = (await app.call('GET', `${base()}/groups/grp_default`)).body;
    expect(g).toMatchObject({ used: '3', distributed: '10', available: '490' });
    const rollup = await app.db.read((q) =>
      rows<{ credits: bigint; user_id: string }>(q, sql`select credits, user_id from usage_daily where org_id = ${org} and meter = 'hold_capture'`),
    );
    expect(rollup.map((r) => [BigInt(r.credits), r.user_id])).toEqual([[3_000_000n, 'ivy']]);
    expect((await ledgerTotal()).held).toBe(0n);

    const again = await app.call('POST', `${base()}/holds/${hold.body.id}/release`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('hold_not_open');
  });

  it('release returns the credits; a capture above the hold is refused unless an excess is allowed', async () => {
    const h = await app.call('POST', `${base()}/holds`, { member: 'ivy', amount: '2' });
    const over = await app.call('POST', `${base()}/holds/${h.body.id}/capture`, { amount: '2.1' });
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe('capture_exceeds_hold');
    await app.call('PATCH', `${base()}/settings`, { capture_excess_pct: 10 });
    expect((await app.call('POST', `${base()}/holds/${h.body.id}/capture`, { amount: '2.2' })).status).toBe(200);
    const h2 = await app.call('POST', `${base()}/holds`, { member: 'ivy', amount: '1' });
    const rel = await app.call('POST', `${base()}/holds/${h2.body.id}/release`);
    expect(rel.body.status).toBe('released');
    expect((await app.call('GET', `${base()}/members/ivy`)).body).toMatchObject({ used: '5.2', held: '0', remaining: '4.8' });
  });

  it('an expired hold stops reserving at once and the job releases it', async () => {
    await member('jay', '10');
    const h = await app.call('POST', `${base()}/holds`, { member: 'jay', amount: '8', expires_at: '2026-03-10T13:00:00Z' });
    expect(h.status).toBe(201);
    expect((await app.call('POST', `${base()}/check`, { member: 'jay', amount: '3' })).body.allowed).toBe(false);
    app.clock.set('2026-03-10T13:00:01Z');
    expect((await app.call('POST', `${base()}/check`, { member: 'jay', amount: '10' })).body).toMatchObject({ allowed: true, remaining: { member: '10' } });
    expect((await app.call('GET', `${base()}/holds?status=expired`)).body.data.map((x: { id: string }) => x.id)).toEqual([h.body.id]);
    expect((await app.call('GET', `${base()}/balance`)).body.held).toBe('0');
    // low-credit alerts read the same available figure as the balance endpoint
    const balanceNow = (await app.call('GET', `${base()}/balance`)).body.available;
    expect((await app.call('GET', `${base()}/alerts`)).body.available).toBe(balanceNow);
    const before = await ledgerTotal();
    expect(before.held).toBe(8_000_000n);
    const done = await app.scheduler.runOnce();
    expect(done['hold-expiry']).toBe(1);
    expect((await ledgerTotal()).held).toBe(0n);
    expect((await app.scheduler.runOnce())['hold-expiry']).toBe(0);
    const cap = await app.call('POST', `${base()}/holds/${h.body.id}/capture`, { amount: '1' });
    expect(cap.status).toBe(409);
  });

  it('names the account cycle, the balance and a plan limit when they bind', async () => {
    await app.call('PATCH', `${base()}/groups/grp_default`, { monthly_allocation: '2000' });
    await member('kim', '1500');
    await app.call('PATCH', `${base()}/settings`, { credits_per_cycle: '20' });
    const cyc = await app.call('POST', `${base()}/check`, { member: 'kim', amount: '15' });
    expect(cyc.body).toMatchObject({ allowed: false, limited_by: 'account_cycle', remaining: { account_cycle: '14.8' } });
    await app.call('PATCH', `${base()}/settings`, { credits_per_cycle: null });
    const bal = await app.call('POST', `${base()}/check`, { member: 'kim', amount: '995' });
    expect(bal.body).toMatchObject({ allowed: false, limited_by: 'balance', remaining: { balance: '994.8' } });
    const refused = await app.call('POST', `${base()}/holds`, { member: 'kim', amount: '995' });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'insufficient_credits', details: { limited_by: 'balance' } });

    const plan = async ({ amount }: { amount: bigint }) =>
      amount > 50_000_000n ? { limit: 'training_credits', remaining: 50_000_000n, message: 'The plan allows 50 more training credits.' } : null;
    app.ctx.hooks.admission.push(plan);
    try {
      const p = await app.call('POST', `${base()}/check`, { member: 'kim', amount: '60' });
      expect(p.body).toMatchObject({ allowed: false, limited_by: 'plan', message: 'The plan allows 50 more training credits.' });
      const ph = await app.call('POST', `${base()}/holds`, { member: 'kim', amount: '60' });
      expect(ph.body.error.details.limited_by).toBe('plan');
      expect((await app.call('POST', `${base()}/check`, { member: 'kim', amount: '50' })).body.allowed).toBe(true);
    } finally {
      app.ctx.hooks.admission.pop();
    }
  });

  it('16 concurrent holds against room for exactly 10: 10 succeed, the rest get 422', async () => {
    await member('lee', '10');
    const before = await ledgerTotal();
    const results = await Promise.all(
      Array.from({ length: 16 }, () => app.call('POST', `${base()}/holds`, { member: 'lee', amount: '1' })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 422)).toHaveLength(6);
    for (const r of results.filter((x) => x.status === 422)) expect(r.body.error.details.limited_by).toBe('member');
    expect((await app.call('GET', `${base()}/members/lee`)).body).toMatchObject({ held: '10', remaining: '0' });
    const after = await ledgerTotal();
    expect(after.entries - before.entries).toBe(10);
    expect(after.held - before.held).toBe(10_000_000n);
    expect((await app.call('GET', `${base()}/holds?status=open&limit=100`)).body.data.filter((h: { member: string }) => h.member === 'lee')).toHaveLength(10);
  });

  it('replays a hold with the same Idempotency-Key', async () => {
    await member('max', '10');
    const a = await app.call('POST', `${base()}/holds`, { member: 'max', amount: '2' }, { 'idempotency-key': 'h-1' });
    const b = await app.call('POST', `${base()}/holds`, { member: 'max', amount: '2' }, { 'idempotency-key': 'h-1' });
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect((await app.call('GET', `${base()}/members/max`)).body.held).toBe('2');
  });

  it('keeps the held and reserved caches equal to the ledger, netting to zero', async () => {
    const derived = await app.db.read((q) =>
      rows<{ account: string; derived: string; cached: string }>(
        q,
        sql`select a.account, a.balance::text as cached,
              (coalesce((select sum(amount) from ledger_entries where org_id = ${org} and to_account = a.account), 0)
               - coalesce((select sum(amount) from ledger_entries where org_id = ${org} and from_account = a.account), 0))::text as derived
            from accounts a where a.org_id = ${org} and a.account in ('held', 'reserved') order by a.account`,
      ),
    );
    expect(derived.map((r) => r.account)).toEqual(['held', 'reserved']);
    for (const r of derived) expect(r.cached).toBe(r.derived);
    expect(BigInt(derived[0]!.cached) + BigInt(derived[1]!.cached)).toBe(0n);
    const open = await app.db.read((q) =>
      rows<{ s: string }>(q, sql`select coalesce(sum(amount), 0)::text as s from holds where org_id = ${org} and status = 'open'`),
    );
    expect(derived[0]!.cached).toBe(open[0]!.s);
  });

  it('two concurrent approvals of one request: one 200, one 409', async () => {
    await member('ned', '10');
    const req = await app.call('POST', `${base()}/requests`, { member: 'ned', amount: '5', reason: 'more' });
    expect(req.body.status).toBe('pending');
    const [a, b] = await Promise.all([
      app.call('POST', `${base()}/requests/${req.body.id}/approve`, {}),
      app.call('POST', `${base()}/requests/${req.body.id}/approve`, { amount: '3' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const winner = a.status === 200 ? a : b;
    expect((await app.call('GET', `${base()}/members/ned`)).body.extra).toBe(winner.body.approved_amount);
    const audits = await app.call('GET', `${base()}/audit?action=request.approve`);
    expect(audits.body.data.filter((x: { target: string }) => x.target === req.body.id)).toHaveLength(1);
  });
});
