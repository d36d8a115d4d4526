import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { openPostgres, rows, type Database } from '../src/db/client.js';
import { parseMicro, sumBig } from '../src/domain/money.js';
import { ingestEvents, type EventInput } from '../src/modules/events/service.js';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { GroupCommit } from '../src/modules/realtime/groupCommit.js';
import { foldLedger } from '../src/modules/statements/queries.js';
import { PLATFORM_KEY, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/** Lets the event loop finish its turn (a group commit starts a group there). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('calls that come in the same turn of the event loop form one group, even when each transaction would end at once', async () => {
    const groups: string[][] = [];
    // a runner that never waits for I/O, as the embedded database's statements don't
    const gc = new GroupCommit<string, string>({ maxGroup: 10, runGroup: async (_key, inputs) => (groups.push(inputs), inputs.map((i) => i.toUpperCase())) });
    const answers = await Promise.all(['a', 'b', 'c'].map((x) => gc.submit('org', x)));
    expect(answers).toEqual(['A', 'B', 'C']);
    expect(groups).toEqual([['a', 'b', 'c']]);
    expect(await gc.submit('org', 'd')).toBe('D'); // a lone call still gets its answer in the next turn
    expect(groups).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('a lone call runs alone; calls that come while its transaction runs form one group; a failed group is retried call by call', async () => {
    const groups: string[][] = [];
    let releaseFirst!: () => void;
    const firstMayEnd = new Promise<void>((resolve) => (releaseFirst = resolve));
    const gc = new GroupCommit<string, string>({
      maxGroup: 10,
      runGroup: async (_key, inputs) => {
        groups.push(inputs);
        if (inputs[0] === 'a') await firstMayEnd;
        if (inputs.includes('bad')) throw new Error(`database error in [${inputs.join(',')}]`);
        return inputs.map((i) => i.toUpperCase());
      },
    });
    const a = gc.submit('org', 'a');
    await nextTurn(); // a's group has started
    const b = gc.submit('org', 'b');
    const bad = gc.submit('org', 'bad');
    const c = gc.submit('org', 'c');
    const other = gc.submit('other-org', 'x'); // another key is never held up by this one
    expect(await other).toBe('X');
    releaseFirst();
    expect(await a).toBe('A');
    expect(await b).toBe('B');
    expect(await c).toBe('C');
    await expect(bad).rejects.toThrow('database error in [bad]');
    // a alone; then b, bad, c as one group; then each of them alone after the group failed
    expect(groups).toEqual([['a'], ['x'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
  });

  it('calls that arrive while a group awaits its lock join that group, up to its size; each gets its own answer', async () => {
    const groups: string[][] = [];
    let grantLock!: () => void;
    const lockGranted = new Promise<void>((resolve) => (grantLock = resolve));
    const gc = new GroupCommit<string, string>({
      maxGroup: 3,
      runGroup: async (_key, first, join) => {
        if (first[0] === 'a') await lockGranted; // the lock wait
        const calls = join();
        groups.push(calls);
        if (calls.includes('bad')) throw new Error(`database error in [${calls.join(',')}]`);
        return calls.map((i) => i.toUpperCase());
      },
    });
    const a = gc.submit('org', 'a');
    await nextTurn();
    const later = ['b', 'c', 'd'].map((x) => gc.submit('org', x));
    grantLock();
    expect(await a).toBe('A');
    expect(await Promise.all(later)).toEqual(['B', 'C', 'D']);
    // a's group took b and c at its lock (three calls at most); d formed the next group
    expect(groups).toEqual([['a', 'b', 'c'], ['d']]);

    // a joined call of a group that fails is retried alone like the others, and joins nothing then
    groups.length = 0;
    let grantAgain!: () => void;
    const granted = new Promise<void>((resolve) => (grantAgain = resolve));
    const slow = new GroupCommit<string, string>({
      maxGroup: 5,
      runGroup: async (_key, first, join) => {
        if (first[0] === 'e') await granted;
        const calls = join();
        groups.push(calls);
        if (calls.length > 1 && calls.includes('bad')) throw new Error('database error');
        return calls.map((i) => (i === 'bad' ? 'refused' : i.toUpperCase()));
      },
    });
    const e = slow.submit('org', 'e');
    await nextTurn();
    const bad = slow.submit('org', 'bad');
    const f = slow.submit('org', 'f');
    grantAgain();
    expect([await e, await bad, await f]).toEqual(['E', 'refused', 'F']);
    expect(groups).toEqual([['e', 'bad', 'f'], ['e'], ['bad'], ['f']]);
  });

  it('a runner that answers fewer calls than its group held fails every call of it, and retries none (it has committed)', async () => {
    let runs = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const forgetful = new GroupCommit<string, string>({
      maxGroup: 5,
      runGroup: async (_key, inputs, join) => {
        runs++;
        if (inputs[0] === 'c') await held;
        join();
        return inputs.map((i) => i.toUpperCase()); // forgets the joined call
      },
    });
    const c = forgetful.submit('org', 'c');
    await nextTurn();
    const d = forgetful.submit('org', 'd');
    release();
    await expect(c).rejects.toThrow('a group of 2 calls got 1 answers');
    await expect(d).rejects.toThrow('a group of 2 calls got 1 answers');
    expect(runs).toBe(1);
  });
});

describe.each(testDatabases)('the real-time path on $name', (target) => {
  let app: TestApp;
  let second: Awaited<ReturnType<typeof createApp>>;
  let secondDb: Database | undefined;
  let bases: string[];
  beforeAll(async () => {
    app = await startTestApp(target);
    // A second server instance on the same database (its own pool on PostgreSQL).
    secondDb = app.db.kind === 'postgres' ? await openPostgres(app.db.url!, 20) : undefined;
    second = await createApp({ db: secondDb ?? app.db, clock: app.clock, platformKey: PLATFORM_KEY, log: pino({ level: 'error' }) });
    bases = [await app.server.listen({ port: 0, host: '127.0.0.1' }), await second.server.listen({ port: 0, host: '127.0.0.1' })];
  });
  afterAll(async () => {
    await second.close();
    await secondDb?.close();
    await app.close();
  });

  const post = (base: string, path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any })); // eslint-disable-line @typescript-eslint/no-explicit-any

  it('64 concurrent single-event requests through two servers consume exactly the sum; replaying them changes nothing', async () => {
    const org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a', source: 'included', amount: '40', priority: 10 });
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'b', source: 'purchased', amount: '25.5', priority: 20 });
    const ts = app.clock.now().toISOString();
    const events = Array.from({ length: 64 }, (_, i) => ({ id: `rt-${i}`, org, meter: 'tokens', quantity: `${(i * 7) % 3}.${i}`, timestamp: ts }));
    const send = () => Promise.all(events.map((e, i) => post(bases[i % 2]!, '/v1/events', { events: [e] })));
    const first = await send();
    expect(first.map((r) => r.status)).toEqual(events.map(() => 200));
    expect(first.map((r) => r.body.results[0].status)).toEqual(events.map(() => 'accepted'));
    const expected = sumBig(events.map((e) => parseMicro(e.quantity)));
    expect(sumBig(first.map((r) => parseMicro(r.body.results[0].cost_credits)))).toBe(expected);
    const balance = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
    expect(65_500_000n - parseMicro(balance.available) + parseMicro(balance.overage)).toBe(expected);
    const entries = async () =>
      (await app.db.read((q) => rows<{ n: bigint }>(q, sql`select count(*)::bigint as n from ledger_entries where org_id = ${org}`)))[0]!.n;
    const before = await entries();
    const proof = await app.db.read((q) => proveOrg(q, org));
    expect(proof.ok).toBe(true);

    const replay = await send();
    expect(replay.map((r) => r.body.results[0].status)).toEqual(events.map(() => 'duplicate'));
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body).toEqual(balance);
    expect(await entries()).toBe(before);
  });

  it('the chain head a server remembers is only a hint: after a rollback, or another server writing, the chain continues unbroken', async () => {
    const org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a', source: 'included', amount: '10' });
    const ingest = async (id: string) => {
      const r = await app.call('POST', '/v1/events', { events: [{ id, org, meter: 'tokens', quantity: '1', timestamp: app.clock.now().toISOString() }] });
      expect(r.status).toBe(200);
      expect(r.body.results[0].status).toBe('accepted');
    };
    await ingest('hint-1'); // this server now remembers the head

    // 1. A transaction writes entries, so the remembered head moves, then rolls back.
    const { LedgerBatch } = await import('../src/modules/ledger/batch.js');
    const { lockOrg } = await import('../src/modules/orgs/index.js');
    const adjust = (Batch: typeof LedgerBatch, q: Parameters<typeof lockOrg>[0], at: Date) => {
      const batch = new Batch(org, at);
      batch.move({ type: 'adjustment', amount: 1_000_000n, from: 'issued', to: 'voided', occurredAt: at });
      return batch.flush(q);
    };
    await expect(
      app.db.transaction(async (tx) => {
        await lockOrg(tx, org);
        await adjust(LedgerBatch, tx, app.clock.now());
        throw new Error('rolled back on purpose');
      }),
    ).rejects.toThrow('rolled back on purpose');
    await ingest('hint-2');

    // 2. Another server (another instance of the ledger module, with hints of its own) writes next.
    const anotherServer = '../src/modules/ledger/batch.js?another-server';
    const other = (await import(/* @vite-ignore */ anotherServer)) as typeof import('../src/modules/ledger/batch.js');
    expect(other.LedgerBatch).not.toBe(LedgerBatch);
    await app.db.transaction(async (tx) => {
      await lockOrg(tx, org);
      await adjust(other.LedgerBatch, tx, app.clock.now());
    });
    await ingest('hint-3');

    const seqs = await app.db.read((q) =>
      rows<{ seq: bigint }>(q, sql`select chain_seq as seq from ledger_entries where org_id = ${org} order by chain_seq`),
    );
    expect(seqs.map((s) => Number(s.seq))).toEqual(seqs.map((_, i) => i + 1)); // no gap, no fork
    const proof = await app.db.read((q) => proveOrg(q, org));
    expect(proof.chain.breach).toBeNull();
    expect(proof.ok).toBe(true);
    expect(proof.entries).toBe(5); // the grant, three usage entries and the other server's adjustment
  });

  it('a call that fails its own rule fails alone; the others of its group are answered as if alone', async () => {
    const org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a', source: 'included', amount: '100' });
    const ts = app.clock.now().toISOString();
    const calls = Array.from({ length: 24 }, (_, i) => {
      if (i === 5) return { id: `own-${i}`, org, meter: 'no_such_meter', quantity: '1', timestamp: ts };
      if (i === 11) return { id: 'own-3', org, meter: 'tokens', quantity: '9', timestamp: ts }; // repeats call 3's id
      return { id: `own-${i}`, org, meter: 'tokens', quantity: '1', timestamp: ts };
    });
    const answers = await Promise.all(calls.map((e, i) => post(bases[i % 2]!, '/v1/events', { events: [e] })));
    answers.forEach((a, i) => {
      if (i === 5) {
        expect(a.status).toBe(422);
        expect(a.body.error.code).toBe('unknown_meter');
      } else if (i === 11 || i === 3) {
        expect(a.status).toBe(200); // one of the two is accepted, the other is its duplicate
      } else {
        expect(a.status).toBe(200);
        expect(a.body.results[0]).toEqual({ id: calls[i]!.id, status: 'accepted', cost_credits: '1' });
      }
    });
    const pair = [answers[3]!.body.results[0].status, answers[11]!.body.results[0].status].sort();
    expect(pair).toEqual(['accepted', 'duplicate']);
    const accepted = [answers[3]!, answers[11]!].find((a) => a.body.results[0].status === 'accepted')!.body.results[0].cost_credits as string;
    const used = 100_000_000n - parseMicro((await app.call('GET', `/v1/orgs/${org}/balance`)).body.available);
    expect(used).toBe(21_000_000n + parseMicro(accepted));
  });

  it('concurrent holds never take a member, group, cycle or organization past its limit', async () => {
    const cases = [
      { limit: 'member', setup: async (org: string) => member(org, 'm', '10') },
      { limit: 'group', setup: async (org: string) => { await app.call('PATCH', `/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '10' }); await member(org, 'm', null); } },
      { limit: 'account_cycle', setup: async (org: string) => { await app.call('PATCH', `/v1/orgs/${org}/settings`, { credits_per_cycle: '10' }); await member(org, 'm', null); } },
      { limit: 'balance', setup: async (org: string) => member(org, 'm', null) },
    ];
    async function member(org: string, id: string, monthly: string | null) {
      expect((await app.call('POST', `/v1/orgs/${org}/members`, { id, email: `${id}@x.test`, name: id, role: 'member', monthly })).status).toBe(201);
    }
    for (const c of cases) {
      const org = await seedOrg(app);
      await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a', source: 'included', amount: c.limit === 'balance' ? '10' : '1000' });
      if (c.limit !== 'group') await app.call('PATCH', `/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '1000' });
      await c.setup(org);
      const holds = await Promise.all(Array.from({ length: 30 }, (_, i) => post(bases[i % 2]!, `/v1/orgs/${org}/holds`, { member: 'm', amount: '0.7' })));
      const ok = holds.filter((h) => h.status === 201);
      expect(ok.length).toBe(14); // 14 × 0.7 = 9.8 ≤ 10 < 15 × 0.7
      for (const h of holds.filter((x) => x.status !== 201)) {
        expect(h.status).toBe(422);
        expect(h.body.error.details.limited_by).toBe(c.limit);
      }
      expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body.held).toBe('9.8');
    }
  });

  it('holds of one group are decided in arrival order: refused calls fail alone, a block cap holds under concurrency', async () => {
    const org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a', source: 'included', amount: '1000' });
    await app.call('PATCH', `/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '1000' });
    expect((await app.call('POST', `/v1/orgs/${org}/members`, { id: 'm', email: 'm@x.test', name: 'm', role: 'member', monthly: null })).status).toBe(201);
    const past = new Date(app.clock.now().getTime() - 1000).toISOString();
    const bodies = Array.from({ length: 24 }, (_, i) =>
      i === 3 ? { member: 'nobody', amount: '1' } : i === 7 ? { member: 'm', amount: '1', expires_at: past } : i === 9 ? { member: 'm', amount: '5000' } : { member: 'm', amount: '1.5' },
    );
    const holds = await Promise.all(bodies.map((b, i) => post(bases[i % 2]!, `/v1/orgs/${org}/holds`, b)));
    holds.forEach((h, i) => {
      if (i === 3) expect([h.status, h.body.error.code]).toEqual([404, 'member_not_found']);
      else if (i === 7) expect([h.status, h.body.error.code]).toEqual([400, 'invalid_request']);
      else if (i === 9) expect([h.status, h.body.error.code]).toEqual([422, 'insufficient_credits']);
      else expect([h.status, h.body.amount, h.body.status]).toEqual([201, '1.5', 'open']);
    });
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body).toMatchObject({ held: '31.5', available: '968.5' }); // 21 × 1.5
    // the same member under a block cap of 40: with 31.5 held, 30 concurrent holds of 1 leave room for exactly 8
    const cap = (await app.call('POST', `/v1/orgs/${org}/caps`, { scope: 'org', window: '1d', limit: '40', mode: 'block' })).body;
    const capped = await Promise.all(Array.from({ length: 30 }, (_, i) => post(bases[i % 2]!, `/v1/orgs/${org}/holds`, { member: 'm', amount: '1' })));
    expect(capped.filter((h) => h.status === 201).length).toBe(8);
    for (const h of capped.filter((x) => x.status !== 201)) expect(h.body.error.details.limited_by).toBe(`cap:${cap.id}`);
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body.held).toBe('39.5');
    // captures of one group: a hold captured twice at once is captured once; an unknown hold fails alone
    const ids = holds.filter((h) => h.status === 201).map((h) => h.body.id as string);
    const captures = await Promise.all([...ids, ids[0]!, 'hld_none'].map((id, i) => post(bases[i % 2]!, `/v1/orgs/${org}/holds/${id}/capture`, { amount: '1' })));
    expect(captures.filter((c) => c.status === 200).length).toBe(ids.length);
    expect(captures.filter((c) => c.body.error?.code === 'hold_not_open').length).toBe(1);
    expect(captures.filter((c) => c.body.error?.code === 'hold_not_found').length).toBe(1);
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body).toMatchObject({ held: '8', available: '971' }); // 1000 − 21 used − 8 held
    expect((await app.call('GET', `/v1/orgs/${org}/members/m`)).body).toMatchObject({ used: '21', held: '8' });
    expect((await app.db.read((q) => proveOrg(q, org))).ok).toBe(true);
  });

  it('holds and captures in flight together: captures give back what they held, holds never pass the limit', async () => {
    const org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a', source: 'included', amount: '1000' });
    await app.call('PATCH', `/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '1000' });
    expect((await app.call('POST', `/v1/orgs/${org}/members`, { id: 'm', email: 'm@x.test', name: 'm', role: 'member', monthly: '100' })).status).toBe(201);
    // 10 holds of 10 take the member's whole 100
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => post(bases[i % 2]!, `/v1/orgs/${org}/holds`, { member: 'm', amount: '10' })));
    expect(first.map((h) => h.status)).toEqual(Array(10).fill(201));
    // at once, on both servers: each of those captured at 4 (6 given back each, 60 in all) and 20 new holds of 5 (100 asked)
    const captures = first.map((h) => ({ path: `/v1/orgs/${org}/holds/${h.body.id}/capture`, body: { amount: '4' } }));
    const holds = Array.from({ length: 20 }, () => ({ path: `/v1/orgs/${org}/holds`, body: { member: 'm', amount: '5' } }));
    const calls = holds.flatMap((h, i) => (captures[i] ? [captures[i], h] : [h]));
    const answers = await Promise.all(calls.map((c, i) => post(bases[i % 2]!, c.path, c.body)));
    const captured = answers.filter((_, i) => calls[i]!.path.endsWith('/capture'));
    const held = answers.filter((_, i) => !calls[i]!.path.endsWith('/capture'));
    for (const c of captured) expect([c.status, c.body.status, c.body.captured_amount]).toEqual([200, 'captured', '4']);
    expect(new Set(captured.map((c) => c.body.id))).toEqual(new Set(first.map((h) => h.body.id)));
    for (const h of held.filter((x) => x.status !== 201)) expect([h.status, h.body.error.details.limited_by]).toEqual([422, 'member']);
    // the member may never pass 100: with 40 used, at most 12 new holds (60) fit, however the calls were grouped
    const ok = held.filter((h) => h.status === 201).length;
    expect(ok).toBeLessThanOrEqual(12);
    expect((await app.call('GET', `/v1/orgs/${org}/members/m`)).body).toMatchObject({ used: '40', held: String(ok * 5) });
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body).toMatchObject({ held: String(ok * 5), available: String(1000 - 40 - ok * 5) });
    expect((await app.db.read((q) => proveOrg(q, org))).ok).toBe(true);
  });

  it('the statement fold sent with each path\'s last write leaves ledger_daily as one fold of the whole ledger would', async () => {
    const org = await seedOrg(app, { timezone: 'Asia/Kolkata' });
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a', source: 'included', amount: '50' });
    await app.call('PATCH', `/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '1000' });
    expect((await app.call('POST', `/v1/orgs/${org}/members`, { id: 'm', email: 'm@x.test', name: 'm', role: 'member', monthly: '100' })).status).toBe(201);
    const ts = app.clock.now().toISOString();
    // at once, through both servers: holds; then single events (the last ones run into overage); the next day the
    // holds' captures and a batch
    const holdAnswers = await Promise.all(Array.from({ length: 6 }, (_, i) => post(bases[i % 2]!, `/v1/orgs/${org}/holds`, { member: 'm', amount: '1' })));
    expect(holdAnswers.map((a) => a.status)).toEqual(Array(6).fill(201));
    const singles = Array.from({ length: 24 }, (_, i) => ({ events: [{ id: `f-${i}`, org, meter: 'tokens', quantity: '2.5', timestamp: ts }] }));
    const eventAnswers = await Promise.all(singles.map((body, i) => post(bases[i % 2]!, '/v1/events', body)));
    expect(eventAnswers.map((a) => a.status)).toEqual(singles.map(() => 200));
    app.clock.advance(24 * 3_600_000); // a day later: the next local day
    const batch = Array.from({ length: 150 }, (_, i) => ({ id: `fb-${i}`, org, meter: 'tokens', quantity: '0.01', timestamp: app.clock.now().toISOString() }));
    const later = await Promise.all([
      ...holdAnswers.map((h, i) => post(bases[i % 2]!, `/v1/orgs/${org}/holds/${h.body.id}/capture`, { amount: i % 2 === 0 ? '0.5' : '0' })),
      post(bases[0]!, '/v1/events', { events: batch }),
    ]);
    expect(later.map((a) => a.status)).toEqual([...holdAnswers.map(() => 200), 200]);

    const daily = sql`select day::text, purchased::text, granted::text, adjustments::text, consumed::text, overage::text, expired::text, net::text
      from ledger_daily where org_id = ${org} order by day`;
    const kept = await app.db.read((q) => rows<Record<string, string>>(q, daily));
    const [last] = await app.db.read((q) => rows<{ folded: string; written: string }>(q, sql`
      select (select last_entry_id::text from ledger_fold where org_id = ${org}) as folded, (select max(id)::text from ledger_entries where org_id = ${org}) as written`));
    // every entry was folded by the transaction that wrote it
    expect(last!.folded).toBe(last!.written);
    // the same days folded from scratch, in one go (rolled back)
    let fresh: Record<string, string>[] = [];
    await app.db
      .transaction(async (tx) => {
        await tx.execute(sql`delete from ledger_daily where org_id = ${org}`);
        await tx.execute(sql`delete from ledger_fold where org_id = ${org}`);
        await foldLedger(tx, org, 'Asia/Kolkata');
        fresh = await rows<Record<string, string>>(tx, daily);
        throw new Error('roll back');
      })
      .catch((error: unknown) => {
        if (!(error instanceof Error) || error.message !== 'roll back') throw error;
      });
    expect(kept.length).toBe(2);
    expect(kept).toEqual(fresh);
    // consumed: 50 of grant paid 20 events (50), four more went to overage (10), captures 3 × 0.5, the batch 1.5
    expect(kept.map((d) => [d.consumed, d.overage])).toEqual([['60000000', '10000000'], ['3000000', '3000000']]);
  });

  it('concurrent checks share one read and each gets the answer of a lone check, its own refusal included', async () => {
    const org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a', source: 'included', amount: '100' });
    await app.call('PATCH', `/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '1000' });
    for (const [id, monthly] of [['a', '10'], ['b', null]] as const) {
      expect((await app.call('POST', `/v1/orgs/${org}/members`, { id, email: `${id}@x.test`, name: id, role: 'member', monthly })).status).toBe(201);
    }
    const bodies = Array.from({ length: 40 }, (_, i) => [{ member: 'a', amount: '5' }, { member: 'a', amount: '11' }, { member: 'b', amount: '100.5' }, { member: 'nobody', amount: '1' }][i % 4]!);
    // an error's request id differs from call to call; the rest of the answer may not
    const check = (base: string, b: unknown) => post(base, `/v1/orgs/${org}/check`, b).then((r) => ({ ...r, body: r.body.error ? { ...r.body.error, request_id: undefined } : r.body }));
    const alone: Awaited<ReturnType<typeof check>>[] = [];
    for (const b of bodies.slice(0, 4)) alone.push(await check(bases[0]!, b));
    const together = await Promise.all(bodies.map((b, i) => check(bases[i % 2]!, b)));
    together.forEach((r, i) => expect(r).toEqual(alone[i % 4]));
    expect(alone.map((r) => r.body.allowed ?? r.body.code)).toEqual([true, false, false, 'member_not_found']);
    expect(alone[1]!.body.limited_by).toBe('member');
    expect(alone[2]!.body.limited_by).toBe('balance');
  });

  it('hold calls replayed concurrently (same Idempotency-Key, captures sent twice) change nothing more', async () => {
    const org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a', source: 'included', amount: '1000' });
    await app.call('PATCH', `/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '1000' });
    expect((await app.call('POST', `/v1/orgs/${org}/members`, { id: 'm', email: 'm@x.test', name: 'm', role: 'member', monthly: null })).status).toBe(201);
    const postKeyed = (base: string, key: string) =>
      fetch(`${base}/v1/orgs/${org}/holds`, {
        method: 'POST',
        headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ member: 'm', amount: '3' }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id: string } }));
    // every hold twice at once, through both servers
    const holds = await Promise.all(Array.from({ length: 20 }, (_, i) => postKeyed(bases[i % 2]!, `k-${i >> 1}`)));
    expect(holds.map((h) => h.status)).toEqual(holds.map(() => 201));
    for (let i = 0; i < 20; i += 2) expect(holds[i]!.body).toEqual(holds[i + 1]!.body);
    const ids = [...new Set(holds.map((h) => h.body.id))];
    expect(ids.length).toBe(10);
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body).toMatchObject({ available: '970', held: '30' });
    // each capture sent twice at once: one captures, the other finds the hold closed
    const captures = await Promise.all(ids.flatMap((id, i) => [0, 1].map((k) => post(bases[(i + k) % 2]!, `/v1/orgs/${org}/holds/${id}/capture`, { amount: '2' }))));
    expect(captures.filter((c) => c.status === 200).length).toBe(10);
    for (const c of captures.filter((x) => x.status !== 200)) expect(c.body.error.code).toBe('hold_not_open');
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body).toMatchObject({ available: '980', held: '0' });
    expect((await app.call('GET', `/v1/orgs/${org}/members/m`)).body).toMatchObject({ used: '20', held: '0' });
    const proof = await app.db.read((q) => proveOrg(q, org));
    expect(proof.ok).toBe(true);
  });
  it('a configuration change through one server is honored by the other server\'s next check and hold', async () => {
    const org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a', source: 'included', amount: '100', priority: 10 });
    await app.call('PATCH', `/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '100' });
    expect((await post(bases[0]!, `/v1/orgs/${org}/members`, { id: 'm', email: 'm@x.test', name: 'm', role: 'member', monthly: '50' })).status).toBe(201);
    const check = () => post(bases[1]!, `/v1/orgs/${org}/check`, { member: 'm', amount: '30' });
    // The second server answers (and caches the organization's configuration) first.
    expect((await check()).body).toMatchObject({ allowed: true, remaining: { member: '50', group: '50', account_cycle: null, balance: '100' } });
    // Each change goes through the first server; the second's next call sees it.
    const patch = (path: string, body: unknown) =>
      fetch(`${bases[0]}${path}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await patch(`/v1/orgs/${org}/members/m`, { monthly: '20' })).status).toBe(200);
    expect((await check()).body).toMatchObject({ allowed: false, limited_by: 'member', remaining: { member: '20' } });
    expect((await patch(`/v1/orgs/${org}/members/m`, { monthly: null })).status).toBe(200);
    expect((await patch(`/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '25' })).status).toBe(200);
    expect((await check()).body).toMatchObject({ allowed: false, limited_by: 'group', remaining: { group: '25' } });
    expect((await patch(`/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '100' })).status).toBe(200);
    expect((await patch(`/v1/orgs/${org}/settings`, { credits_per_cycle: '10' })).status).toBe(200);
    expect((await check()).body).toMatchObject({ allowed: false, limited_by: 'account_cycle', remaining: { account_cycle: '10' } });
    expect((await patch(`/v1/orgs/${org}/settings`, { credits_per_cycle: null })).status).toBe(200);
    const plan = await fetch(`${bases[0]}/v1/orgs/${org}/plan`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Small', limits: { credits_per_period: '25' }, allowances: {} }),
    });
    expect(plan.status).toBe(200);
    expect((await check()).body).toMatchObject({ allowed: false, limited_by: 'plan' });
    const hold = await post(bases[1]!, `/v1/orgs/${org}/holds`, { member: 'm', amount: '30' });
    expect(hold.status).toBe(422);
    expect(hold.body.error.details).toMatchObject({ limited_by: 'plan' });
    // Usage counts against the plan limit at once too (a dynamic figure, never cached).
    expect((await post(bases[1]!, `/v1/orgs/${org}/check`, { member: 'm', amount: '25' })).body).toMatchObject({ allowed: true });
    expect((await post(bases[0]!, `/v1/orgs/${org}/holds`, { member: 'm', amount: '5' })).status).toBe(201);
    expect((await post(bases[1]!, `/v1/orgs/${org}/check`, { member: 'm', amount: '25' })).body).toMatchObject({ allowed: false, limited_by: 'plan' });
    expect((await post(bases[1]!, `/v1/orgs/${org}/check`, { member: 'm', amount: '20' })).body).toMatchObject({ allowed: true, limited_by: null });
  });
  it('thresholds and auto-recharge set through one server after the other cached the configuration act on its next event; using up a grant sends grant.depleted', async () => {
    const org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'small', source: 'promotional', amount: '10', priority: 10 });
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'main', source: 'included', amount: '100', priority: 20 });
    const ts = app.clock.now().toISOString();
    const event = (id: string, quantity: string) => post(bases[1]!, '/v1/events', { events: [{ id, org, meter: 'tokens', quantity, timestamp: ts }] });
    const notes = async (type: string) => (await app.call('GET', `/v1/orgs/${org}/notifications?type=${type}`)).body.data as unknown[];
    // The second server caches the configuration (no thresholds, no auto-recharge) with its first event.
    expect((await event('c-1', '4')).status).toBe(200);
    expect(await notes('grant.depleted')).toHaveLength(0);
    const put = (path: string, body: unknown) =>
      fetch(`${bases[0]}${path}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put(`/v1/orgs/${org}/alerts`, { thresholds: [{ credits: '95' }], emails: [] })).status).toBe(200);
    expect((await put(`/v1/orgs/${org}/auto-recharge`, { enabled: true, threshold: '85', amount: '50', max_per_month: 2, cooldown_minutes: 60 })).status).toBe(200);
    // 6 more credits use up "small" (one event, one group): the grant is depleted; 100 left, no threshold crossed.
    expect((await event('c-2', '6')).status).toBe(200);
    expect(await notes('grant.depleted')).toHaveLength(1);
    expect(await notes('balance.low')).toHaveLength(0);
    // 7 more: 93 available, below the 95 threshold (alert) but above auto-recharge's 85.
    expect((await event('c-3', '7')).status).toBe(200);
    expect(await notes('balance.low')).toHaveLength(1);
    expect((await app.call('GET', `/v1/orgs/${org}/purchases`)).body.data).toHaveLength(0);
    // 10 more: 83, below 85: one purchase starts (credited once paid).
    expect((await event('c-4', '10')).status).toBe(200);
    expect((await app.call('GET', `/v1/orgs/${org}/purchases`)).body.data).toMatchObject([{ origin: 'auto_recharge', amount: '50' }]);
    expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body.available).toBe('83');
  });

  it('mixed batches lock their organizations at once: concurrent batches through two servers, an unknown organization rejected per event', async () => {
    const orgs = [await seedOrg(app), await seedOrg(app)];
    for (const org of orgs) await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'a', source: 'included', amount: '1000', priority: 10 });
    const ts = app.clock.now().toISOString();
    // 16 batches, each with events of both organizations (listed in either order) and of one that does not exist.
    const batches = Array.from({ length: 16 }, (_, b) => {
      const order = b % 2 === 0 ? orgs : [...orgs].reverse();
      return [
        ...order.map((org, j) => ({ id: `mx-${b}-${j}`, org, meter: 'tokens', quantity: `${b + 1}`, timestamp: ts })),
        { id: `mx-${b}-x`, org: 'org_missing', meter: 'tokens', quantity: '1', timestamp: ts },
      ];
    });
    const send = () => Promise.all(batches.map((events, b) => post(bases[b % 2]!, '/v1/events', { events })));
    const first = await send();
    expect(first.map((r) => r.status)).toEqual(batches.map(() => 200));
    for (const r of first) {
      expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(['accepted', 'accepted', 'rejected']);
      expect(r.body.results[2].error.code).toBe('organization_not_found');
    }
    const spent = sumBig(batches.map((_, b) => parseMicro(`${b + 1}`)));
    for (const org of orgs) {
      expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body.available).toBe(String(1000n - spent / 1_000_000n));
    }
    const again = await send();
    for (const r of again) expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(['duplicate', 'duplicate', 'rejected']);
    for (const org of orgs) {
      expect((await app.call('GET', `/v1/orgs/${org}/balance`)).body.available).toBe(String(1000n - spent / 1_000_000n));
      expect((await app.db.read((q) => proveOrg(q, org))).ok).toBe(true);
    }
  });

  it('single events sent in one turn of the event loop go in one transaction, each answered as if alone', async () => {
    const org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'g', source: 'included', amount: '10', priority: 10 });
    const at = app.clock.now();
    const events: EventInput[] = Array.from({ length: 20 }, (_, i) => ({ id: `turn-${i}`, org, meter: i === 7 ? 'nope' : 'tokens', quantity: parseMicro(`${i + 1}`), timestamp: at }));
    const db = app.ctx.db;
    const transaction = db.transaction;
    let transactions = 0;
    db.transaction = ((fn) => (transactions++, transaction.call(db, fn))) as typeof db.transaction;
    try {
      // each call from a callback of its own, as requests read one after another in one turn
      const sent = events.map(
        (e) =>
          new Promise((resolve) =>
            setImmediate(() => resolve(ingestEvents({ ctx: app.ctx, actor: { kind: 'platform', label: 'platform' }, events: [e] }).catch((error: unknown) => error))),
          ),
      );
      const answers = await Promise.all(sent);
      // one group: on the embedded database, where a transaction ends before the next request is read, as on PostgreSQL
      expect(transactions).toBe(1);
      expect(answers[7]).toMatchObject({ code: 'unknown_meter' });
      const costs = answers.filter((_, i) => i !== 7).map((a) => (a as { results: { status: string; cost_credits: string }[] }).results[0]!);
      expect(costs.map((r) => r.status)).toEqual(costs.map(() => 'accepted'));
      expect(costs.map((r) => r.cost_credits)).toEqual(events.filter((_, i) => i !== 7).map((e) => `${e.quantity / 1_000_000n}`));
    } finally {
      db.transaction = transaction;
    }
    // 10 credits less the 19 accepted quantities (1 … 20 without 8, 202 in all): an overage of 192
    const balance = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
    expect(balance.available).toBe('0');
    expect(balance.overage).toBe('192');
    expect((await app.db.read((q) => proveOrg(q, org))).ok).toBe(true);
  });

  it('mixed batches that arrive while one is written are written together, each answered as if alone', async () => {
    const [a, b, c] = [await seedOrg(app), await seedOrg(app), await seedOrg(app)];
    for (const org of [a, b, c]) await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'g', source: 'included', amount: '100', priority: 10 });
    const at = app.clock.now();
    const ev = (id: string, org: string, quantity: string, meter = 'tokens'): EventInput => ({ id, org, meter, quantity: parseMicro(quantity), timestamp: at });
    const batches: EventInput[][] = [
      [ev('l-1', a!, '1'), ev('l-2', b!, '2')],
      [ev('l-1', a!, '9'), ev('l-3', c!, '3'), ev('l-x', 'org_missing', '1')], // l-1 was taken by the batch before
      [ev('l-4', b!, '1', 'nope'), ev('l-5', c!, '5')], // an unknown meter is refused alone
      [ev('l-6', a!, '6'), ev('l-6', a!, '6'), ev('l-7', b!, '0.000001')], // a repeat within the batch
      [ev('l-2', a!, '4'), ev('l-8', c!, '8')], // l-2 is b's, not a's
      [ev('l-9', b!, '2.5'), ev('l-10', a!, '10')],
    ];
    const expected = [
      ['accepted', 'accepted'],
      ['duplicate', 'accepted', 'rejected'],
      ['rejected', 'accepted'],
      ['accepted', 'duplicate', 'accepted'],
      ['accepted', 'accepted'],
      ['accepted', 'accepted'],
    ];
    const available = { [a!]: '79', [b!]: '95.499999', [c!]: '84' }; // a: 1+6+4+10, b: 2+0.000001+2.5, c: 3+5+8
    const db = app.ctx.db;
    const transaction = db.transaction;
    let transactions = 0;
    db.transaction = ((fn) => (transactions++, transaction.call(db, fn))) as typeof db.transaction;
    const ingest = (events: EventInput[]) => ingestEvents({ ctx: app.ctx, actor: { kind: 'platform', label: 'platform' }, events: [...events] });
    const send = async () => {
      const first = ingest(batches[0]!);
      await nextTurn(); // the first batch's transaction has started
      return Promise.all([first, ...batches.slice(1).map(ingest)]);
    };
    try {
      const first = await send();
      // the first batch ran at once, alone; the five sent while it was written waited and went in one transaction
      expect(transactions).toBe(2);
      expect(first.map((r) => r.results.map((x) => x.status))).toEqual(expected);
      expect(first[1]!.results[2]).toMatchObject({ error: { code: 'organization_not_found' } });
      expect(first[2]!.results[0]).toMatchObject({ error: { code: 'unknown_meter' } });
      expect(first[5]!.results.map((x) => (x.status === 'accepted' ? x.cost_credits : x.status))).toEqual(['2.5', '10']);
      const replay = await send();
      expect(replay.map((r) => r.results.map((x) => x.status))).toEqual(expected.map((statuses) => statuses.map((s) => (s === 'rejected' ? s : 'duplicate'))));
    } finally {
      db.transaction = transaction;
    }
    for (const org of [a!, b!, c!]) {
      const balance = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
      expect([org, balance.available]).toEqual([org, available[org]]);
      expect((await app.db.read((q) => proveOrg(q, org))).ok).toBe(true);
    }
  });

  it('in a mixed batch, an id is a duplicate only in the organization that recorded it', async () => {
    const [a, b] = [await seedOrg(app), await seedOrg(app)];
    for (const org of [a, b]) await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'g', source: 'included', amount: '100', priority: 10 });
    const ts = app.clock.now().toISOString();
    const event = (org: string, quantity: string) => ({ id: 'shared-id', org, meter: 'tokens', quantity, timestamp: ts });
    expect((await app.call('POST', '/v1/events', { events: [event(a!, '3')] })).body.results[0].status).toBe('accepted');
    const mixed = await app.call('POST', '/v1/events', { events: [event(a!, '5'), event(b!, '7')] });
    expect(mixed.body.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'accepted']);
    expect((await app.call('GET', `/v1/orgs/${a}/balance`)).body.available).toBe('97');
    expect((await app.call('GET', `/v1/orgs/${b}/balance`)).body.available).toBe('93');
  });

  it('a batch of several organizations writes exactly what the same events sent one organization at a time write', async () => {
    // Pairs of identically set-up organizations in three time zones (one with a 30-minute offset): the first of each
    // pair gets its events in one mixed batch, the second in a batch of its own. Every table the ingest writes must
    // end up the same for both, to the micro-credit.
    const zones = ['UTC', 'Asia/Kolkata', 'America/New_York'];
    const pairs: [string, string][] = [];
    for (const timezone of zones) {
      const pair: string[] = [];
      for (let k = 0; k < 2; k++) {
        const org = await seedOrg(app, { timezone });
        await app.call('POST', `/v1/orgs/${org}/members`, { id: 'mem_a', email: `a-${org}@example.test`, name: 'Ana', role: 'member', monthly: null });
        pair.push(org);
      }
      pairs.push(pair as [string, string]);
    }
    const ts = () => app.clock.now().toISOString();
    // The first pair owes overage before the batch, repaid by a grant that starts just before it.
    for (const org of pairs[0]!) {
      const owed = await app.call('POST', '/v1/events', { events: [{ id: 'owed', org, meter: 'tokens', quantity: '5', timestamp: ts() }] });
      expect(owed.status).toBe(200);
      const startsAt = new Date(app.clock.now().getTime() + 60_000).toISOString();
      expect((await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'later', source: 'included', amount: '100', starts_at: startsAt })).status).toBe(201);
    }
    for (const org of [...pairs[1]!, ...pairs[2]!]) {
      expect((await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'small', source: 'included', amount: '3.5', priority: 10 })).status).toBe(201);
      expect((await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'promo', source: 'promotional', amount: '40', applies_to: { meters: ['gpu'] } })).status).toBe(201);
    }
    app.clock.advance(120_000);
    const eventsOf = (org: string, p: number) => [
      { id: 'same', org, meter: 'tokens', quantity: `${p + 1}.25`, timestamp: ts(), user: 'mem_a', job_id: 'job-1', job_name: 'Build' },
      { id: `t-${p}`, org, meter: 'gpu', quantity: '2', resource_class: 'a100', timestamp: ts(), user: 'mem_b', project: 'web' },
      { id: `r-${p}`, org, meter: 'runs', quantity: '1', timestamp: new Date(app.clock.now().getTime() - 26 * 3_600_000).toISOString() },
      { id: `t-${p}`, org, meter: 'gpu', quantity: '9', timestamp: ts() }, // a repeat within the batch: a duplicate
      { id: `u-${p}`, org, meter: 'nope', quantity: '1', timestamp: ts() }, // refused alone
      { id: `b-${p}`, org, meter: 'tokens', quantity: '2.000001', timestamp: ts(), user: 'mem_a', job_id: 'job-1' },
    ];
    const mixed = pairs.flatMap(([org], p) => eventsOf(org, p));
    const together = await app.call('POST', '/v1/events', { events: mixed });
    expect(together.status, together.text).toBe(200);
    const alone = [];
    for (const [p, [, org]] of pairs.entries()) alone.push(...(await app.call('POST', '/v1/events', { events: eventsOf(org, p) })).body.results);
    const strip = (r: { id: string; status: string; cost_credits?: string; error?: { code: string } }) => [r.id, r.status, r.cost_credits, r.error?.code];
    expect(together.body.results.map(strip)).toEqual(alone.map(strip));
    expect(together.body.results.map((r: { status: string }) => r.status)).toEqual(
      pairs.flatMap(() => ['accepted', 'accepted', 'accepted', 'duplicate', 'rejected', 'accepted']),
    );

    const figures = async (org: string) => ({
      balance: (await app.call('GET', `/v1/orgs/${org}/balance`)).body,
      ...(await app.db.read(async (q) => {
        const read = (query: ReturnType<typeof sql>) => rows<Record<string, unknown>>(q, query);
        return {
          accounts: await read(sql`select account, balance::text from accounts where org_id = ${org} and account not like 'block:%' order by 1`),
          blocks: await read(sql`select b.remaining::text, g.name from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id where b.org_id = ${org} order by g.name`),
          entries: await read(sql`select type, amount::text, case when from_account like 'block:%' then 'block' else from_account end as "from",
              case when to_account like 'block:%' then 'block' else to_account end as "to", event_id, ref, occurred_at, block_balance_after::text from ledger_entries where org_id = ${org} order by chain_seq`),
          events: await read(sql`select id, meter, cost_credits::text, overage::text, user_id, job_id from events where org_id = ${org} order by id`),
          daily: await read(sql`select day::text, meter, user_id, project, resource_class, events, quantity::text, credits::text, usd::text from usage_daily where org_id = ${org} order by 1, 2, 3, 4, 5`),
          hourly: await read(sql`select hour, meter, events, quantity::text, max_quantity::text, credits::text from usage_hourly where org_id = ${org} order by 1, 2`),
          jobs: await read(sql`select day::text, job_id, name, credits::text from job_daily where org_id = ${org} order by 1, 2`),
          folded: await read(sql`select day::text, consumed::text, overage::text, granted::text, net::text from ledger_daily where org_id = ${org} order by 1`),
          cycles: await read(sql`select c.seq, u.member_id, u.used::text from cycle_usage u join cycles c on c.org_id = u.org_id and c.id = u.cycle_id where u.org_id = ${org} order by 1, 2`),
        };
      })),
    });
    for (const [a, b] of pairs) {
      const [fa, fb] = [await figures(a), await figures(b)];
      expect(fa).toEqual(fb);
      expect(fa.cycles.length).toBeGreaterThan(0);
      expect(fa.jobs.length).toBeGreaterThan(0);
      expect((await app.db.read((q) => proveOrg(q, a))).ok).toBe(true);
    }
    // the overage owed before the batch was repaid from the grant that started, in the batch's transaction
    const first = await figures(pairs[0]![0]);
    expect(first.entries.filter((e) => e.ref === 'overage_repayment').map((e) => e.amount)).toEqual(['5000000']);
  });
});
