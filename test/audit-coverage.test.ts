import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { eventId, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

interface Entry {
  id: string;
  actor: string;
  action: string;
  target: string;
  before: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read JSON freely
  after: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read JSON freely
  at: string;
}

const T0 = '2026-03-10T12:00:00Z';

/**
 * SPEC §3.12: purchases, auto-recharge and alert settings, webhooks, API key
 * creation and hold expiry each write one audit entry in the transaction of
 * their change; a refused change writes none.
 */
describe.each(testDatabases)('audit coverage on $name', (target) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(target, T0);
  });
  afterAll(() => app.close());

  const newOrg = () => seedOrg(app);
  /** Every entry of one action, oldest first. */
  const audit = async (org: string, action: string): Promise<Entry[]> => {
    const res = await app.call('GET', `/v1/orgs/${org}/audit?action=${action}&limit=1000`);
    expect(res.status).toBe(200);
    return (res.body.data as Entry[]).reverse();
  };
  const auditCount = async (org: string): Promise<number> => {
    const [r] = await app.db.read((q) => rows<{ n: bigint }>(q, sql`select count(*)::bigint as n from audit_log where org_id = ${org}`));
    return Number(r!.n);
  };
  const ownerKey = async (org: string) => {
    const k = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'ops', role: 'owner' });
    expect(k.status).toBe(201);
    return { id: k.body.id as string, headers: { authorization: `Bearer ${k.body.secret as string}` } };
  };

  it('audits purchase create, confirm and fail with the purchase before and after; replays and refusals write nothing', async () => {
    app.clock.set(T0);
    const org = await newOrg();
    await app.call('POST', '/v1/events', { events: [{ id: eventId(), org, meter: 'tokens', quantity: '10', timestamp: T0 }] });
    const admin = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'billing', role: 'billing_admin' });
    const adminHeaders = { authorization: `Bearer ${admin.body.secret as string}` };

    const created = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '50', price_usd: '49.99', idempotency_key: 'p-1' }, adminHeaders);
    expect(created.status).toBe(201);
    const [c, ...moreCreates] = await audit(org, 'purchase.create');
    expect(moreCreates).toEqual([]);
    expect(c).toMatchObject({ actor: `key:${admin.body.id}`, target: created.body.id, before: null, at: '2026-03-10T12:00:00.000Z' });
    expect(c!.after).toMatchObject({ id: created.body.id, grant_id: created.body.grant_id, amount: '50', price_usd: '49.99', status: 'pending_payment', origin: 'manual' });

    const n = await auditCount(org);
    const replay = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '50', price_usd: '49.99', idempotency_key: 'p-1' }, adminHeaders);
    expect(replay.status).toBe(200);
    const reused = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '60', idempotency_key: 'p-1' }, adminHeaders);
    expect(reused.status).toBe(422);
    const bad = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '0', idempotency_key: 'p-9' });
    expect(bad.status).toBe(400);
    const refusedConfirm = await app.call('POST', `/v1/orgs/${org}/purchases/${created.body.id}/confirm`, {}, adminHeaders);
    expect(refusedConfirm.status).toBe(403);
    expect(await auditCount(org)).toBe(n);

    app.clock.set('2026-03-10T12:05:00Z');
    const confirmed = await app.call('POST', `/v1/orgs/${org}/purchases/${created.body.id}/confirm`, { reference: 'wire-42' });
    expect(confirmed.status).toBe(200);
    const [conf, ...moreConfirms] = await audit(org, 'purchase.confirm');
    expect(moreConfirms).toEqual([]);
    expect(conf).toMatchObject({ actor: 'platform', target: created.body.id, at: '2026-03-10T12:05:00.000Z' });
    expect(conf!.before).toMatchObject({ status: 'pending_payment', amount: '50', paid_at: null, provider_reference: null });
    expect(conf!.after).toMatchObject({ status: 'paid', amount: '50', paid_at: '2026-03-10T12:05:00.000Z', provider_reference: 'wire-42', overage_repaid: '10' });

    // Confirming again changes nothing and writes nothing; failing a paid purchase is refused.
    const m = await auditCount(org);
    expect((await app.call('POST', `/v1/orgs/${org}/purchases/${created.body.id}/confirm`)).status).toBe(200);
    const failPaid = await app.call('POST', `/v1/orgs/${org}/purchases/${created.body.id}/fail`);
    expect(failPaid.status).toBe(409);
    expect((await app.call('POST', `/v1/orgs/${org}/purchases/pur_nope/fail`)).status).toBe(404);
    expect(await auditCount(org)).toBe(m);

    const second = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount: '25.5', idempotency_key: 'p-2' });
    const failed = await app.call('POST', `/v1/orgs/${org}/purchases/${second.body.id}/fail`, { reason: 'card declined' });
    expect(failed.status).toBe(200);
    const [f, ...moreFails] = await audit(org, 'purchase.fail');
    expect(moreFails).toEqual([]);
    expect(f).toMatchObject({ actor: 'platform', target: second.body.id });
    expect(f!.before).toMatchObject({ status: 'pending_payment', amount: '25.5', failure_reason: null });
    expect(f!.after).toMatchObject({ status: 'failed', amount: '25.5', failure_reason: 'card declined', failed_at: '2026-03-10T12:05:00.000Z' });
    expect((await audit(org, 'purchase.create')).map((e) => e.target)).toEqual([created.body.id, second.body.id]);
  });

  it('audits auto-recharge settings by the person and the purchases the rule starts as system:auto-recharge', async () => {
    app.clock.set(T0);
    const org = await newOrg();
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '20' });
    const key = await ownerKey(org);

    // Refused settings write nothing.
    const n = await auditCount(org);
    const bad = await app.call('PUT', `/v1/orgs/${org}/auto-recharge`, { enabled: true, threshold: '-1', amount: '10', max_per_month: 1, cooldown_minutes: 0 }, key.headers);
    expect(bad.status).toBe(400);
    expect(await auditCount(org)).toBe(n);

    const first = { enabled: false, threshold: '5', amount: '10', max_per_month: 3, cooldown_minutes: 0 };
    expect((await app.call('PUT', `/v1/orgs/${org}/auto-recharge`, first, key.headers)).status).toBe(200);
    // Enabling above the balance buys at once: the purchase is the system's, in the same request.
    const second = { enabled: true, threshold: '25.5', amount: '12.25', max_per_month: 3, cooldown_minutes: 0 };
    const put = await app.call('PUT', `/v1/orgs/${org}/auto-recharge`, second);
    expect(put.status).toBe(200);
    expect(put.body.in_flight_purchase_id).not.toBeNull();

    const updates = await audit(org, 'auto_recharge.update');
    expect(updates).toHaveLength(2);
    expect(updates[0]).toMatchObject({ actor: `key:${key.id}`, target: org, before: null, after: first });
    expect(updates[1]).toMatchObject({ actor: 'platform', target: org, before: first, after: second });

    const [started, ...others] = await audit(org, 'purchase.create');
    expect(others).toEqual([]);
    expect(started).toMatchObject({ actor: 'system:auto-recharge', target: put.body.in_flight_purchase_id });
    expect(started!.after).toMatchObject({ amount: '12.25', origin: 'auto_recharge', status: 'pending_payment' });

    // A crossing by usage starts the next one, again as the system.
    expect((await app.call('POST', `/v1/orgs/${org}/purchases/${started!.target}/confirm`)).status).toBe(200);
    const use = await app.call('POST', '/v1/events', { events: [{ id: eventId(), org, meter: 'tokens', quantity: '10', timestamp: T0 }] });
    expect(use.status).toBe(200);
    const creates = await audit(org, 'purchase.create');
    expect(creates).toHaveLength(2);
    expect(creates[1]).toMatchObject({ actor: 'system:auto-recharge' });
    expect(creates[1]!.after).toMatchObject({ amount: '12.25', origin: 'auto_recharge' });
  });

  it('audits alert settings with the thresholds and emails before and after', async () => {
    app.clock.set(T0);
    const org = await newOrg();
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '100' });
    const n = await auditCount(org);
    const bad = await app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds: [{ credits: '5' }], emails: ['not-an-email'] });
    expect(bad.status).toBe(400);
    const member = await app.call('POST', `/v1/orgs/${org}/members`, { id: 'm1', email: 'm1@x.test', name: 'm1', role: 'member' });
    expect(member.status).toBe(201);
    const memberKey = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'm', role: 'member', member: 'm1' });
    const n2 = await auditCount(org);
    expect(n2).toBe(n + 2); // member.create and api_key.create
    const forbidden = await app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds: [], emails: [] }, { authorization: `Bearer ${memberKey.body.secret as string}` });
    expect(forbidden.status).toBe(403);
    expect(await auditCount(org)).toBe(n2);

    const one = await app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds: [{ credits: '50.5' }], emails: ['ops@example.com'] });
    expect(one.status).toBe(200);
    const two = await app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds: [{ credits: '50.5' }, { pct_of_included: 10 }], emails: ['cfo@example.com'] });
    expect(two.status).toBe(200);
    const [a1, a2, ...rest] = await audit(org, 'alerts.update');
    expect(rest).toEqual([]);
    const kept = one.body.thresholds[0].id as string;
    expect(a1).toMatchObject({ actor: 'platform', target: org, before: { thresholds: [], emails: [] } });
    expect(a1!.after).toEqual({ thresholds: [{ id: kept, credits: '50.5' }], emails: ['ops@example.com'] });
    expect(a2!.before).toEqual(a1!.after);
    expect(a2!.after.emails).toEqual(['cfo@example.com']);
    expect(a2!.after.thresholds).toHaveLength(2);
    expect(a2!.after.thresholds).toContainEqual({ id: kept, credits: '50.5' });
    expect(a2!.after.thresholds).toContainEqual(expect.objectContaining({ pct_of_included: 10 }));
  });

  it('audits webhook create, update and delete without the signing secret', async () => {
    app.clock.set(T0);
    const org = await newOrg();
    const key = await ownerKey(org);
    const n = await auditCount(org);
    expect((await app.call('POST', `/v1/orgs/${org}/webhooks`, { url: 'ftp://x.test/h', events: ['grant.created'] }, key.headers)).status).toBe(400);
    expect((await app.call('POST', `/v1/orgs/${org}/webhooks`, { url: 'https://x.test/h', events: ['balance.sky_high'] }, key.headers)).status).toBe(400);
    expect((await app.call('PATCH', `/v1/orgs/${org}/webhooks/whk_nope`, { enabled: false }, key.headers)).status).toBe(404);
    expect((await app.call('DELETE', `/v1/orgs/${org}/webhooks/whk_nope`, undefined, key.headers)).status).toBe(404);
    expect(await auditCount(org)).toBe(n);

    const created = await app.call('POST', `/v1/orgs/${org}/webhooks`, { url: 'https://hooks.example.com/tally', events: ['grant.created'] }, key.headers);
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const id = created.body.id as string;
    app.clock.set('2026-03-10T12:10:00Z');
    const patched = await app.call('PATCH', `/v1/orgs/${org}/webhooks/${id}`, { events: ['grant.created', 'balance.low'], enabled: false }, key.headers);
    expect(patched.status).toBe(200);
    expect((await app.call('DELETE', `/v1/orgs/${org}/webhooks/${id}`, undefined, key.headers)).status).toBe(204);

    const actor = `key:${key.id}`;
    const [c] = await audit(org, 'webhook.create');
    expect(c).toMatchObject({ actor, target: id, before: null });
    expect(c!.after).toEqual({ id, url: 'https://hooks.example.com/tally', events: ['grant.created'], enabled: true, created_at: '2026-03-10T12:00:00.000Z', updated_at: '2026-03-10T12:00:00.000Z' });
    const [u] = await audit(org, 'webhook.update');
    expect(u).toMatchObject({ actor, target: id, before: c!.after });
    expect(u!.after).toMatchObject({ events: ['grant.created', 'balance.low'], enabled: false, updated_at: '2026-03-10T12:10:00.000Z' });
    const [d] = await audit(org, 'webhook.delete');
    expect(d).toMatchObject({ actor, target: id, before: u!.after, after: null });
    const everything = JSON.stringify((await app.call('GET', `/v1/orgs/${org}/audit?limit=1000`)).body);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('whsec_');
    expect(await auditCount(org)).toBe(n + 3);
  });

  it('audits API key creation without the secret; refused keys write nothing', async () => {
    app.clock.set(T0);
    const org = await newOrg();
    await app.call('POST', `/v1/orgs/${org}/members`, { id: 'lead', email: 'lead@x.test', name: 'Lead', role: 'manager' });
    const billing = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'billing', role: 'billing_admin' });
    expect(billing.status).toBe(201);
    const n = await auditCount(org);
    const byBilling = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'x', role: 'owner' }, { authorization: `Bearer ${billing.body.secret as string}` });
    expect(byBilling.status).toBe(403);
    expect((await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'x', role: 'manager' })).status).toBe(400);
    // Refused inside the transaction (the member does not exist): rolled back with the key.
    const ghost = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'x', role: 'member', member: 'ghost' });
    expect(ghost.status).toBe(404);
    expect(await auditCount(org)).toBe(n);

    const owner = await ownerKey(org);
    const mgr = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'lead key', role: 'manager', member: 'lead' }, owner.headers);
    expect(mgr.status).toBe(201);
    const entries = await audit(org, 'api_key.create');
    expect(entries.map((e) => e.target)).toEqual([billing.body.id, owner.id, mgr.body.id]);
    expect(entries[0]).toMatchObject({ actor: 'platform', before: null, after: { id: billing.body.id, name: 'billing', role: 'billing_admin', member: null } });
    expect(entries[2]).toMatchObject({ actor: `key:${owner.id}`, after: { id: mgr.body.id, name: 'lead key', role: 'manager', member: 'lead' } });
    for (const e of entries) expect(Object.keys(e.after).sort()).toEqual(['id', 'member', 'name', 'role']);
    const everything = JSON.stringify(await audit(org, 'api_key.create'));
    for (const s of [billing.body.secret, mgr.body.secret] as string[]) expect(everything).not.toContain(s);
  });

  it('audits the hold-expiry job as system:scheduler with the open hold before and the expired one after', async () => {
    app.clock.set(T0);
    const org = await newOrg();
    const base = `/v1/orgs/${org}`;
    await app.call('POST', `${base}/grants`, { name: 'Plan', source: 'included', amount: '1000' });
    await app.call('PATCH', `${base}/groups/grp_default`, { monthly_allocation: '500' });
    expect((await app.call('POST', `${base}/members`, { id: 'jay', email: 'jay@x.test', name: 'jay', role: 'member', monthly: '10' })).status).toBe(201);
    const h = await app.call('POST', `${base}/holds`, { member: 'jay', amount: '8.5', expires_at: '2026-03-10T13:00:00Z' });
    expect(h.status).toBe(201);
    const kept = await app.call('POST', `${base}/holds`, { member: 'jay', amount: '1' });
    expect(kept.status).toBe(201);

    // Before the expiry the job releases nothing and writes nothing.
    const n = await auditCount(org);
    await app.scheduler.runOnce();
    expect(await auditCount(org)).toBe(n);

    app.clock.set('2026-03-10T13:00:01Z');
    await app.scheduler.runOnce();
    const [e, ...rest] = await audit(org, 'hold.expire');
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ actor: 'system:scheduler', target: h.body.id, at: '2026-03-10T13:00:01.000Z' });
    expect(e!.before).toMatchObject({ id: h.body.id, member: 'jay', amount: '8.5', status: 'open', closed_at: null });
    expect(e!.after).toMatchObject({ id: h.body.id, amount: '8.5', status: 'expired', closed_at: '2026-03-10T13:00:01.000Z' });
    expect(await auditCount(org)).toBe(n + 1);
    // The job has nothing left to release: no second entry.
    await app.scheduler.runOnce();
    expect(await audit(org, 'hold.expire')).toHaveLength(1);
    const open = await app.call('GET', `${base}/holds?status=open`);
    expect(open.body.data.map((x: { id: string }) => x.id)).toEqual([kept.body.id]);
  });

  it('audits an expiry released on the way by another change as system:hold-expiry', async () => {
    app.clock.set(T0);
    const org = await newOrg();
    const base = `/v1/orgs/${org}`;
    await app.call('POST', `${base}/grants`, { name: 'Plan', source: 'included', amount: '1000' });
    await app.call('PATCH', `${base}/groups/grp_default`, { monthly_allocation: '500' });
    await app.call('POST', `${base}/members`, { id: 'kim', email: 'kim@x.test', name: 'kim', role: 'member', monthly: '10' });
    const h = await app.call('POST', `${base}/holds`, { member: 'kim', amount: '3', expires_at: '2026-03-10T12:30:00Z' });
    expect(h.status).toBe(201);
    app.clock.set('2026-03-10T12:45:00Z');
    const next = await app.call('POST', `${base}/holds`, { member: 'kim', amount: '2' });
    expect(next.status).toBe(201);
    const [e, ...rest] = await audit(org, 'hold.expire');
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ actor: 'system:hold-expiry', target: h.body.id });
    expect(e!.after).toMatchObject({ status: 'expired', amount: '3' });
  });
});
