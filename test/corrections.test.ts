import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { parseMicro } from '../src/domain/money.js';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { eventId, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

const HOUR = 3_600_000;

describe.each(testDatabases)('usage corrections on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
  });
  afterAll(() => app.close());

  async function grant(org: string, amount: string, priority: number, expiresInH?: number): Promise<string> {
    const now = app.clock.now().getTime();
    const res = await app.call('POST', `/v1/orgs/${org}/grants`, {
      name: `g${priority}`,
      source: 'included',
      amount,
      priority,
      ...(expiresInH === undefined ? {} : { expires_at: new Date(now + expiresInH * HOUR).toISOString() }),
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  }

  async function use(org: string, quantity: string, extra: Record<string, unknown> = {}): Promise<string> {
    const id = eventId();
    const res = await app.call('POST', '/v1/events', {
      events: [{ id, org, meter: 'tokens', quantity, timestamp: app.clock.now().toISOString(), ...extra }],
    });
    expect(res.body.results[0].status, res.text).toBe('accepted');
    return id;
  }

  async function remaining(org: string, grantId: string): Promise<string> {
    const g = (await app.call('GET', `/v1/orgs/${org}/grants/${grantId}`)).body;
    return g.blocks[0].remaining as string;
  }

  async function balance(org: string) {
    return (await app.call('GET', `/v1/orgs/${org}/balance`)).body as { available: string; overage: string };
  }

  async function proofOk(org: string) {
    const proof = await app.db.read((q) => proveOrg(q, org));
    expect(proof.ok, JSON.stringify(proof, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(true);
  }

  async function entriesOf(org: string, id: string) {
    return app.db.read((q) =>
      rows<{ type: string; amount: string; from: string; to: string; ref: string | null }>(
        q,
        sql`select type, amount::text, from_account as "from", to_account as "to", ref from ledger_entries
            where org_id = ${org} and event_id = ${id} order by id`,
      ),
    );
  }

  // Each case: blocks, one event, what happens before the void, and where each block ends up.
  const cases: {
    name: string;
    run: () => Promise<void>;
  }[] = [
    {
      name: 'two blocks: both refilled, the block drawn last first',
      run: async () => {
        const org = await seedOrg(app);
        const a = await grant(org, '5', 10);
        const b = await grant(org, '100', 50);
        const id = await use(org, '8');
        expect([await remaining(org, a), await remaining(org, b)]).toEqual(['0', '97']);
        const res = await app.call('POST', `/v1/orgs/${org}/events/${id}/void`);
        expect(res.status, res.text).toBe(200);
        expect(res.body.changed).toBe(true);
        expect(res.body.event.status).toBe('voided');
        expect([await remaining(org, a), await remaining(org, b)]).toEqual(['5', '100']);
        const reversals = (await entriesOf(org, id)).filter((e) => e.type === 'reversal');
        const blockOf = async (g: string) => `block:${(await app.call('GET', `/v1/orgs/${org}/grants/${g}`)).body.blocks[0].id}`;
        // reverse draw-down order: B (drawn last) first, then A
        expect(reversals.map((e) => [e.amount, e.to])).toEqual([
          ['3000000', await blockOf(b)],
          ['5000000', await blockOf(a)],
        ]);
        expect(reversals.every((e) => e.from === 'consumed')).toBe(true);
        await proofOk(org);
      },
    },
    {
      name: 'a block that has since expired: its part goes to expired, the live block is refilled',
      run: async () => {
        const org = await seedOrg(app);
        const a = await grant(org, '5', 10, 1);
        const b = await grant(org, '100', 50);
        const id = await use(org, '8');
        app.clock.advance(2 * HOUR);
        await app.scheduler.runOnce();
        const res = await app.call('POST', `/v1/orgs/${org}/events/${id}/void`);
        expect(res.status, res.text).toBe(200);
        expect([await remaining(org, a), await remaining(org, b)]).toEqual(['0', '100']);
        const reversals = (await entriesOf(org, id)).filter((e) => e.type === 'reversal');
        expect(reversals.map((e) => [e.amount, e.to === 'expired'])).toEqual([
          ['3000000', false],
          ['5000000', true],
        ]);
        expect((await balance(org)).available).toBe('100');
        const s = (await app.call('GET', `/v1/orgs/${org}/statements/current`)).body.summary;
        expect([s.consumed, s.expired]).toEqual(['0', '5']);
        await proofOk(org);
      },
    },
    {
      name: 'overage: the part no block paid reduces overage',
      run: async () => {
        const org = await seedOrg(app);
        const a = await grant(org, '5', 10);
        const id = await use(org, '8');
        expect((await balance(org)).overage).toBe('3');
        await app.call('POST', `/v1/orgs/${org}/events/${id}/void`);
        expect(await remaining(org, a)).toBe('5');
        expect((await balance(org)).overage).toBe('0');
        await proofOk(org);
      },
    },
    {
      name: 'repaid overage: the repaid part goes back to the block that repaid it',
      run: async () => {
        const org = await seedOrg(app);
        const a = await grant(org, '5', 10);
        const id = await use(org, '8');
        const c = await grant(org, '10', 50); // repays the 3 of overage
        expect(await remaining(org, c)).toBe('7');
        await app.call('POST', `/v1/orgs/${org}/events/${id}/void`);
        expect([await remaining(org, a), await remaining(org, c)]).toEqual(['5', '10']);
        expect((await balance(org)).overage).toBe('0');
        expect((await balance(org)).available).toBe('15');
        await proofOk(org);
      },
    },
  ];
  it.each(cases.map((c) => [c.name, c] as const))('void: %s', async (_name, c) => {
    await c.run();
  });

  it('amend: the old rating is undone and the new one booked as ingest would; history shows both', async () => {
    const org = await seedOrg(app);
    const a = await grant(org, '10', 10);
    const id = await use(org, '4');
    let res = await app.call('POST', `/v1/orgs/${org}/events/${id}/amend`, { quantity: '7' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.event).toMatchObject({ status: 'amended', quantity: '7', cost_credits: '7' });
    expect(await remaining(org, a)).toBe('3');
    res = await app.call('POST', `/v1/orgs/${org}/events/${id}/amend`, { quantity: '12', meter: 'tokens' });
    expect(res.body.event).toMatchObject({ quantity: '12', cost_credits: '12', overage: '2' });
    expect(await remaining(org, a)).toBe('0');
    expect((await balance(org)).overage).toBe('2');
    res = await app.call('POST', `/v1/orgs/${org}/events/${id}/amend`, { quantity: '1' });
    expect(await remaining(org, a)).toBe('9');
    expect((await balance(org)).overage).toBe('0');
    const listed = (await app.call('GET', `/v1/orgs/${org}/events`)).body.data[0];
    expect(listed.status).toBe('amended');
    expect(listed.corrections.map((c: { kind: string; before: { quantity: string }; after: { quantity: string } }) => [c.kind, c.before.quantity, c.after.quantity])).toEqual([
      ['amend', '4', '7'],
      ['amend', '7', '12'],
      ['amend', '12', '1'],
    ]);
    expect(listed.corrections[0].actor).toBeTruthy();
    const audit = (await app.call('GET', `/v1/orgs/${org}/audit`)).body.data as { action: string; target: string }[];
    expect(audit.filter((x) => x.action === 'event.amend' && x.target === id)).toHaveLength(3);
    // a voided event cannot be amended
    await app.call('POST', `/v1/orgs/${org}/events/${id}/void`);
    res = await app.call('POST', `/v1/orgs/${org}/events/${id}/amend`, { quantity: '2' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('already_voided');
    expect(await remaining(org, a)).toBe('10');
    await proofOk(org);
  });

  it('is idempotent: a replayed Idempotency-Key gets the first answer, a second void changes nothing', async () => {
    const org = await seedOrg(app);
    await grant(org, '10', 10);
    const id = await use(org, '4');
    const first = await app.call('POST', `/v1/orgs/${org}/events/${id}/void`, undefined, { 'idempotency-key': 'k1' });
    const replay = await app.call('POST', `/v1/orgs/${org}/events/${id}/void`, undefined, { 'idempotency-key': 'k1' });
    expect(replay.body).toEqual(first.body);
    const again = await app.call('POST', `/v1/orgs/${org}/events/${id}/void`);
    expect(again.status).toBe(200);
    expect(again.body.changed).toBe(false);
    expect((await entriesOf(org, id)).filter((e) => e.type === 'reversal')).toHaveLength(1);
    expect((await balance(org)).available).toBe('10');
    const id2 = await use(org, '4');
    const k = { 'idempotency-key': 'k2' };
    const a1 = await app.call('POST', `/v1/orgs/${org}/events/${id2}/amend`, { quantity: '6' }, k);
    const a2 = await app.call('POST', `/v1/orgs/${org}/events/${id2}/amend`, { quantity: '6' }, k);
    expect(a2.body).toEqual(a1.body);
    const same = await app.call('POST', `/v1/orgs/${org}/events/${id2}/amend`, { quantity: '6' });
    expect(same.body.changed).toBe(false);
    expect((await balance(org)).available).toBe('4');
    await proofOk(org);
  });

  it('refuses a correction outside the grace window with 422 outside_grace_window', async () => {
    const org = await seedOrg(app, { grace_days: 1 });
    await grant(org, '10', 10);
    const id = await use(org, '4');
    app.clock.advance(25 * HOUR);
    const res = await app.call('POST', `/v1/orgs/${org}/events/${id}/void`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('outside_grace_window');
    expect((await balance(org)).available).toBe('6');
    const unknown = await app.call('POST', `/v1/orgs/${org}/events/nope/void`);
    expect(unknown.status).toBe(404);
  });

  it('every usage figure follows a void in the open period: rollups, usage, cycle, member allocation, daily ledger, draft invoice', async () => {
    const org = await seedOrg(app);
    await grant(org, '100', 10);
    const member = await app.call('POST', `/v1/orgs/${org}/members`, { name: 'Ann', email: `ann-${eventId()}@x.test` });
    expect(member.status, member.text).toBe(201);
    const user = member.body.id as string;
    await use(org, '10', { user, job_id: 'j1' });
    const id = await use(org, '30', { user, job_id: 'j1' });
    const read = async () => {
      const breakdown = (await app.call('GET', `/v1/orgs/${org}/usage/breakdown?by=user`)).body;
      const cycle = (await app.call('GET', `/v1/orgs/${org}/cycle`)).body;
      const statement = (await app.call('GET', `/v1/orgs/${org}/statements/current`)).body;
      const invoice = (await app.call('GET', `/v1/orgs/${org}/invoices`)).body.data[0];
      const memberView = (await app.call('GET', `/v1/orgs/${org}/members/${user}`)).body;
      const day = await app.db.read((q) =>
        rows<{ events: number; credits: string }>(q, sql`select sum(events)::int as events, sum(credits)::text as credits from usage_daily where org_id = ${org}`),
      );
      const hour = await app.db.read((q) => rows<{ credits: string }>(q, sql`select sum(credits)::text as credits from usage_hourly where org_id = ${org}`));
      const job = await app.db.read((q) => rows<{ credits: string }>(q, sql`select sum(credits)::text as credits from job_daily where org_id = ${org}`));
      return { breakdown, cycle, statement, invoice, memberView, day: day[0], hour: hour[0]!.credits, job: job[0]!.credits };
    };
    const before = await read();
    expect(before.day).toEqual({ events: 2, credits: '40000000' });
    const res = await app.call('POST', `/v1/orgs/${org}/events/${id}/void`);
    expect(res.status, res.text).toBe(200);
    const after = await read();
    expect(after.day).toEqual({ events: 1, credits: '10000000' });
    expect(after.hour).toBe('10000000');
    expect(after.job).toBe('10000000');
    expect(after.statement.summary.consumed).toBe('10');
    expect(before.statement.summary.consumed).toBe('40');
    expect(JSON.stringify(after.breakdown)).toContain('"10"');
    expect(JSON.stringify(after.breakdown)).not.toContain('"40"');
    expect(JSON.stringify(before.cycle)).toContain('"40"');
    expect(JSON.stringify(after.cycle)).not.toContain('"40"');
    expect(JSON.stringify(after.cycle)).toContain('"10"');
    expect(JSON.stringify(before.memberView)).toContain('"40"');
    expect(JSON.stringify(after.memberView)).not.toContain('"40"');
    const line = (inv: { lines: { meter: string; quantity: string }[] }) => inv.lines.find((l) => l.meter === 'tokens')?.quantity;
    expect([line(before.invoice), line(after.invoice)]).toEqual(['40', '10']);
    await proofOk(org);
  });

  it('alerts follow: a void that lifts the balance over a threshold resolves the alert, an amend below it raises it', async () => {
    const org = await seedOrg(app);
    await grant(org, '100', 10);
    const put = await app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds: [{ credits: '50' }], emails: [] });
    expect(put.status, put.text).toBe(200);
    const state = async () => ((await app.call('GET', `/v1/orgs/${org}/alerts`)).body.thresholds as { state: string }[])[0]!.state;
    const id = await use(org, '60');
    const low = await state();
    expect(low).not.toBe('ok');
    await app.call('POST', `/v1/orgs/${org}/events/${id}/amend`, { quantity: '20' });
    expect(await state()).toBe('ok');
    await app.call('POST', `/v1/orgs/${org}/events/${id}/amend`, { quantity: '70' });
    expect(await state()).toBe(low);
    await app.call('POST', `/v1/orgs/${org}/events/${id}/void`);
    expect(await state()).toBe('ok');
  });

  it('spend caps follow: rollup-based and event-based (per key) cap usage drop a voided event and take an amend', async () => {
    const org = await seedOrg(app);
    await grant(org, '100', 10);
    const apiKey = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'k', role: 'owner' });
    expect(apiKey.status, apiKey.text).toBe(201);
    const id = await use(org, '30');
    // the write path does not fill api_key_id yet (issue 16); set it as test/caps.test.ts does
    await app.db.transaction((tx) => tx.execute(sql`update events set api_key_id = ${apiKey.body.id} where org_id = ${org} and id = ${id}`));
    for (const scope of ['org', `api_key:${apiKey.body.id}`]) {
      const res = await app.call('POST', `/v1/orgs/${org}/caps`, { scope, window: 'calendar_month', limit: '100', mode: 'notify' });
      expect(res.status, res.text).toBe(201);
    }
    const used = async () => ((await app.call('GET', `/v1/orgs/${org}/caps`)).body.data as { used: string }[]).map((c) => c.used);
    expect(await used()).toEqual(['30', '30']);
    await app.call('POST', `/v1/orgs/${org}/events/${id}/amend`, { quantity: '12' });
    expect(await used()).toEqual(['12', '12']);
    await app.call('POST', `/v1/orgs/${org}/events/${id}/void`);
    expect(await used()).toEqual(['0', '0']);
  });

  it('a correction of a closed period is an adjustment in the open period: Corrections line, invoice credit line, closed statement unchanged', async () => {
    app.clock.set(Date.parse('2026-05-20T12:00:00Z'));
    const org = await seedOrg(app);
    await grant(org, '100', 10);
    await use(org, '5');
    const id = await use(org, '30');
    const id2 = await use(org, '2');
    app.clock.set(Date.parse('2026-06-02T12:00:00Z'));
    await app.scheduler.runOnce();
    const closed = (await app.call('GET', `/v1/orgs/${org}/statements/2026-05`)).body;
    expect(closed.status).toBe('closed');
    expect(closed.summary.consumed).toBe('37');
    const closedInvoice = (await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-05`)).body;
    let res = await app.call('POST', `/v1/orgs/${org}/events/${id}/void`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.event.corrections[0]).toMatchObject({ closed_period: true, booked_in_period: '2026-06', original_day: '2026-05-20' });
    res = await app.call('POST', `/v1/orgs/${org}/events/${id2}/amend`, { quantity: '3' });
    expect(res.status, res.text).toBe(200);
    const entries = await entriesOf(org, id);
    expect(entries.at(-1)).toMatchObject({ type: 'adjustment', from: 'consumed', ref: 'correction:2026-05-20' });
    expect((await app.call('GET', `/v1/orgs/${org}/statements/2026-05`)).body).toEqual(closed);
    expect((await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-05`)).body).toEqual(closedInvoice);
    const june = (await app.call('GET', `/v1/orgs/${org}/statements/current`)).body.summary;
    // 30 returned, then 2 returned and 3 charged: corrections = +29, inside consumed (−29)
    expect(june).toMatchObject({ corrections: '29', consumed: '-29', brought_forward: '63', closing: '92' });
    expect((await balance(org)).available).toBe('92');
    const draft = (await app.call('GET', `/v1/orgs/${org}/invoices`)).body.data[0];
    const corrections = draft.lines.filter((l: { meter: string }) => l.meter === 'correction');
    expect(corrections.map((l: { quantity: string; description: string }) => [l.quantity, l.description])).toEqual([
      ['-30', `Correction: event ${id} of 2026-05-20 voided`],
      ['1', `Correction: event ${id2} of 2026-05-20 amended`],
    ]);
    expect(draft.lines.some((l: { meter: string }) => l.meter === 'tokens')).toBe(false);
    // a late event (May timestamp, ingested in June) was never on May's statement: voiding it is a plain reversal
    const late = eventId();
    await app.call('POST', '/v1/events', { events: [{ id: late, org, meter: 'tokens', quantity: '4', timestamp: '2026-05-25T00:00:00Z' }] });
    res = await app.call('POST', `/v1/orgs/${org}/events/${late}/void`);
    expect(res.body.event.corrections[0]).toMatchObject({ closed_period: false });
    expect((await entriesOf(org, late)).map((e) => e.type)).toEqual(['usage', 'reversal']);
    expect((await app.call('GET', `/v1/orgs/${org}/statements/current`)).body.summary).toMatchObject({ corrections: '29', consumed: '-29' });
    const draft2 = (await app.call('GET', `/v1/orgs/${org}/invoices`)).body.data[0];
    expect(draft2.lines.filter((l: { meter: string }) => l.meter === 'correction')).toHaveLength(2);
    expect(draft2.lines.some((l: { meter: string }) => l.meter === 'tokens')).toBe(false);
    // the June statement closes with the Corrections line and the identity holds
    app.clock.set(Date.parse('2026-07-02T12:00:00Z'));
    await app.scheduler.runOnce();
    const stored = (await app.call('GET', `/v1/orgs/${org}/statements/2026-06`)).body;
    expect(stored).toMatchObject({ status: 'closed', summary: { corrections: '29', closing: '92' } });
    const storedInvoice = (await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-06`)).body;
    expect(storedInvoice.lines.filter((l: { meter: string }) => l.meter === 'correction')).toHaveLength(2);
    await proofOk(org);
  });

  it('batch: each item gets its own result and a bad item is refused alone', async () => {
    const org = await seedOrg(app);
    await grant(org, '100', 10);
    const a = await use(org, '5');
    const b = await use(org, '7');
    const res = await app.call('POST', '/v1/events/corrections', {
      corrections: [
        { org, id: a, action: 'void' },
        { org, id: 'missing', action: 'void' },
        { org, id: b, action: 'amend', quantity: '1' },
        { org, id: b, action: 'amend', meter: 'no-such-meter' },
        { org, id: a, action: 'void' },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((r: { status: string; error?: { code: string } }) => [r.status, r.error?.code])).toEqual([
      ['voided', undefined],
      ['rejected', 'not_found'],
      ['amended', undefined],
      ['rejected', 'unknown_meter'],
      ['unchanged', undefined],
    ]);
    expect((await balance(org)).available).toBe('99');
    const tooMany = await app.call('POST', '/v1/events/corrections', { corrections: Array.from({ length: 1001 }, () => ({ org, id: a, action: 'void' })) });
    expect(tooMany.status).toBe(400);
    const allBad = await app.call('POST', '/v1/events/corrections', { corrections: [{ org, id: 'missing', action: 'void' }] });
    expect(allBad.status).toBe(404);
    await proofOk(org);
  });

  it('the balance after corrections matches a never-corrected twin', async () => {
    const org = await seedOrg(app);
    const twin = await seedOrg(app);
    for (const o of [org, twin]) await grant(o, '20', 10);
    const x = await use(org, '9');
    await use(org, '4');
    await app.call('POST', `/v1/orgs/${org}/events/${x}/amend`, { quantity: '3' });
    await use(twin, '3');
    await use(twin, '4');
    expect(parseMicro((await balance(org)).available)).toBe(parseMicro((await balance(twin)).available));
  });
});
