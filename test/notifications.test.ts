import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId, seedOrg, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';
import { HookReceiver, MailReceiver, startNotifyApp, type NotifyApp } from './helpers/notify.js';

const T = '2026-03-10T11:00:00Z';
const HOUR = 60 * 60 * 1000;

async function use(app: NotifyApp, org: string, tokens: string) {
  const res = await app.call('POST', '/v1/events', { events: [{ id: eventId(), org, meter: 'tokens', quantity: tokens, timestamp: T }] });
  expect(res.status).toBe(200);
}

async function notificationsOf(app: NotifyApp, org: string, type: string) {
  const res = await app.call('GET', `/v1/orgs/${org}/notifications?type=${type}&limit=100`);
  expect(res.status).toBe(200);
  return res.body.data as { id: string; data: Record<string, unknown>; deliveries: { channel: string; status: string; attempts: number }[] }[];
}

describe.each(testDatabases)('notifications on $name', (target) => {
  let app: NotifyApp;
  const mail = new MailReceiver();
  const hooks = new HookReceiver();

  beforeAll(async () => {
    await mail.start();
    await hooks.start();
    app = await startNotifyApp(target, { smtpUrl: mail.url });
  });
  afterAll(async () => {
    await app.close();
    await mail.close();
    await hooks.close();
  });

  const newOrg = () => seedOrg(app as unknown as TestApp);

  it('sends exactly one balance.low when 32 concurrent batches cross a threshold, and one resolved notice', async () => {
    const org = await newOrg();
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '100' });
    const put = await app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds: [{ credits: '50' }, { pct_of_included: 10 }], emails: [] });
    expect(put.status).toBe(200);
    expect(put.body.thresholds.map((t: { level: string }) => t.level).sort()).toEqual(['10', '50']);

    await Promise.all(Array.from({ length: 32 }, () => use(app, org, '2')));
    const bal = await app.call('GET', `/v1/orgs/${org}/balance`);
    expect(bal.body.available).toBe('36');
    const low = await notificationsOf(app, org, 'balance.low');
    expect(low).toHaveLength(1);
    expect(low[0]!.data).toMatchObject({ level: '50', threshold: { credits: '50' } });
    expect(BigInt(String(low[0]!.data.available).split('.')[0]!)).toBeLessThan(50n);

    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Top-up', source: 'promotional', amount: '100' });
    expect(await notificationsOf(app, org, 'balance.low_resolved')).toHaveLength(1);
    const alerts = await app.call('GET', `/v1/orgs/${org}/alerts`);
    expect(alerts.body.thresholds.every((t: { state: string }) => t.state === 'ok')).toBe(true);

    // a new crossing is a new alert
    await use(app, org, '100');
    expect(await notificationsOf(app, org, 'balance.low')).toHaveLength(2);
  });

  it('emails the low-balance alert through a real SMTP server', async () => {
    const org = await newOrg();
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '20' });
    await app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds: [{ credits: '5' }], emails: ['ops@example.com', 'cfo@example.com'] });
    // owners and billing admins receive it too; managers and members do not
    for (const [email, role] of [['owner@example.com', 'owner'], ['billing@example.com', 'billing_admin'], ['lead@example.com', 'manager']]) {
      expect((await app.call('POST', `/v1/orgs/${org}/members`, { email, name: role, role })).status).toBe(201);
    }
    await use(app, org, '16');
    const [low] = await notificationsOf(app, org, 'balance.low');
    expect(low!.deliveries).toEqual([expect.objectContaining({ channel: 'email', status: 'pending' })]);
    const before = mail.mails.length;
    await app.tick();
    const sent = mail.mails.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to.sort()).toEqual(['billing@example.com', 'cfo@example.com', 'ops@example.com', 'owner@example.com']);
    expect(sent[0]!.raw).toContain('Low credit balance: 4 credits left');
    expect(sent[0]!.raw).toContain(low!.id);
    const [after] = await notificationsOf(app, org, 'balance.low');
    expect(after!.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('signs webhooks so standardwebhooks verifies them, and repeats only after a failure', async () => {
    const org = await newOrg();
    const created = await app.call('POST', `/v1/orgs/${org}/webhooks`, { url: hooks.url, events: ['grant.created', 'grant.depleted'] });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const read = await app.call('GET', `/v1/orgs/${org}/webhooks/${created.body.id}`);
    expect(read.body.secret).toBeUndefined();

    const start = hooks.received.length;
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '10' });
    await app.tick();
    await app.tick();
    const got = hooks.received.slice(start);
    expect(got).toHaveLength(1);
    const payload = hooks.verify(got[0]!, secret);
    expect(payload.type).toBe('grant.created');
    const [note] = await notificationsOf(app, org, 'grant.created');
    expect(got[0]!.headers['webhook-id']).toBe(note!.id);
    expect(() => hooks.verify({ ...got[0]!, body: got[0]!.body.replace('Plan', 'Plan!') }, secret)).toThrow();

    // a forced failure: the same message (same webhook-id) arrives again after the backoff
    hooks.statuses.push(500);
    await use(app, org, '10');
    await app.tick();
    app.clock.advance(HOUR);
    await app.tick();
    await app.tick();
    const more = hooks.received.slice(start + 1);
    expect(more.map((h) => h.status)).toEqual([500, 204]);
    expect(more[0]!.headers['webhook-id']).toBe(more[1]!.headers['webhook-id']);
    for (const h of more) expect(hooks.verify(h, secret).type).toBe('grant.depleted');
  });

  it('sends request.created and request.decided to subscribed webhooks', async () => {
    const org = await newOrg();
    const created = await app.call('POST', `/v1/orgs/${org}/webhooks`, { url: hooks.url, events: ['request.created', 'request.decided'] });
    const member = (await app.call('POST', `/v1/orgs/${org}/members`, { email: 'm@example.com', name: 'M', role: 'member' })).body;
    const request = await app.call('POST', `/v1/orgs/${org}/requests`, { member: member.id, amount: '5', reason: 'more runs' });
    expect(request.body.status).toBe('pending');
    expect((await app.call('POST', `/v1/orgs/${org}/requests/${request.body.id}/deny`, { note: 'not now' })).status).toBe(200);
    const start = hooks.received.length;
    await app.tick();
    const got = hooks.received.slice(start).map((h) => hooks.verify(h, created.body.secret));
    expect(got.map((p) => p.type).sort()).toEqual(['request.created', 'request.decided']);
    const decided = got.find((p) => p.type === 'request.decided')!;
    expect(JSON.stringify(decided)).toContain('"status":"denied"');
  });

  it('sends statement.closed and invoice.issued when a period closes', async () => {
    const org = await newOrg();
    const created = await app.call('POST', `/v1/orgs/${org}/webhooks`, { url: hooks.url, events: ['statement.closed', 'invoice.issued'] });
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '10' });
    const start = hooks.received.length;
    const before = app.clock.now();
    app.clock.set(new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth() + 1, 1, 0, 5)));
    await app.tick();
    const got = hooks.received.slice(start).map((h) => hooks.verify(h, created.body.secret));
    const period = `${before.getUTCFullYear()}-${String(before.getUTCMonth() + 1).padStart(2, '0')}`;
    expect(got.map((p) => p.type).sort()).toEqual(['invoice.issued', 'statement.closed']);
    expect(JSON.stringify(got.find((p) => p.type === 'statement.closed'))).toContain(`"period":"${period}"`);
    expect(JSON.stringify(got.find((p) => p.type === 'invoice.issued'))).toContain(`"invoice_id":"inv_${period}"`);
    app.clock.set(before);
  });

  it('retries a receiver that fails twice: three attempts, one delivery, across a restart', async () => {
    const org = await newOrg();
    const created = await app.call('POST', `/v1/orgs/${org}/webhooks`, { url: hooks.url, events: ['grant.created'] });
    const start = hooks.received.length;
    hooks.statuses.push(503, 500);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '10' });
    await app.tick();
    await app.tick(); // still inside the backoff: no new attempt
    expect(hooks.received.length - start).toBe(1);

    await app.restart();
    app.clock.advance(HOUR);
    await app.tick();
    app.clock.advance(HOUR);
    await app.tick();
    await app.tick();
    const got = hooks.received.slice(start);
    expect(got.map((h) => h.status)).toEqual([503, 500, 204]);
    expect(new Set(got.map((h) => h.headers['webhook-id'])).size).toBe(1);
    for (const h of got) hooks.verify(h, created.body.secret as string);

    const deliveries = await app.call('GET', `/v1/orgs/${org}/webhooks/${created.body.id}/deliveries`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.data.map((d: { attempt: number; status_code: number; ok: boolean }) => [d.attempt, d.status_code, d.ok])).toEqual([
      [3, 204, true],
      [2, 500, false],
      [1, 503, false],
    ]);
    const [note] = await notificationsOf(app, org, 'grant.created');
    expect(note!.deliveries).toEqual([expect.objectContaining({ channel: 'webhook', status: 'delivered', attempts: 3 })]);
  });

  it('delivers grant.expired written by the expiry job in the same scheduler run', async () => {
    const org = await newOrg();
    const created = await app.call('POST', `/v1/orgs/${org}/webhooks`, { url: hooks.url, events: ['grant.expired'] });
    const grant = await app.call('POST', `/v1/orgs/${org}/grants`, {
      name: 'Trial',
      source: 'promotional',
      amount: '5',
      expires_at: '2026-03-11T00:00:00Z',
    });
    const start = hooks.received.length;
    app.clock.set('2026-03-11T00:00:01Z');
    await app.tick();
    const got = hooks.received.slice(start);
    expect(got).toHaveLength(1);
    expect(hooks.verify(got[0]!, created.body.secret as string)).toMatchObject({
      type: 'grant.expired',
      data: { org_id: org, grant_id: grant.body.id },
    });
    app.clock.set('2026-03-10T12:00:00Z');
  });

  it('marks a delivery failed after the retry limit', async () => {
    const org = await newOrg();
    await app.call('POST', `/v1/orgs/${org}/webhooks`, { url: 'http://127.0.0.1:9/unreachable', events: ['grant.created'] });
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '10' });
    for (let i = 0; i < 10; i++) {
      await app.tick();
      app.clock.advance(7 * HOUR);
    }
    const [note] = await notificationsOf(app, org, 'grant.created');
    expect(note!.deliveries[0]).toMatchObject({ status: 'failed', attempts: 8 });
  });

  it('refuses bad webhook and alert input and changes nothing', async () => {
    const org = await newOrg();
    for (const url of ['ftp://example.com/x', 'javascript:alert(1)', 'not a url', 'file:///etc/passwd']) {
      const res = await app.call('POST', `/v1/orgs/${org}/webhooks`, { url, events: ['balance.low'] });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    const bad = await app.call('POST', `/v1/orgs/${org}/webhooks`, { url: hooks.url, events: ['balance.sky_high'] });
    expect(bad.status).toBe(400);
    expect((await app.call('GET', `/v1/orgs/${org}/webhooks`)).body.data).toEqual([]);

    await app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds: [{ credits: '5' }], emails: [] });
    for (const thresholds of [[{ credits: '-1' }], [{ pct_of_included: -5 }], [{ pct_of_included: 101 }], [{ credits: '1', pct_of_included: 5 }]]) {
      const res = await app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds, emails: [] });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toMatch(/^invalid_/);
    }
    const email = await app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds: [], emails: ['not-an-email'] });
    expect(email.status).toBe(400);
    const alerts = await app.call('GET', `/v1/orgs/${org}/alerts`);
    expect(alerts.body.thresholds.map((t: { credits: string }) => t.credits)).toEqual(['5']);
  });

  it('keeps webhooks and alerts to billing roles and to their own organization', async () => {
    const org = await newOrg();
    const other = await newOrg();
    const key = async (o: string, role: string, member?: string) =>
      (await app.call('POST', `/v1/orgs/${o}/api-keys`, { name: role, role, member })).body.secret as string;
    const person = (await app.call('POST', `/v1/orgs/${org}/members`, { email: 'm@example.com', name: 'M', role: 'member' })).body;
    const member = { authorization: `Bearer ${await key(org, 'member', person.id)}` };
    const admin = { authorization: `Bearer ${await key(org, 'billing_admin')}` };
    const otherOwner = { authorization: `Bearer ${await key(other, 'owner')}` };
    const created = await app.call('POST', `/v1/orgs/${org}/webhooks`, { url: hooks.url, events: ['balance.low'] }, admin);
    expect(created.status).toBe(201);
    expect((await app.call('GET', `/v1/orgs/${org}/webhooks`, undefined, member)).status).toBe(403);
    expect((await app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds: [], emails: [] }, member)).status).toBe(403);
    expect((await app.call('GET', `/v1/orgs/${org}/notifications`, undefined, member)).status).toBe(403);
    const foreign = await app.call('GET', `/v1/orgs/${org}/webhooks/${created.body.id}`, undefined, otherOwner);
    expect(foreign.status).toBe(404);
    const cross = await app.call('GET', `/v1/orgs/${other}/webhooks/${created.body.id}`, undefined, otherOwner);
    expect(cross.status).toBe(404);
    const patched = await app.call('PATCH', `/v1/orgs/${org}/webhooks/${created.body.id}`, { enabled: false }, admin);
    expect(patched.body.enabled).toBe(false);
    expect((await app.call('DELETE', `/v1/orgs/${org}/webhooks/${created.body.id}`, undefined, admin)).status).toBe(204);
    expect((await app.call('GET', `/v1/orgs/${org}/webhooks/${created.body.id}`, undefined, admin)).status).toBe(404);
  });
});

describe.each(testDatabases)('notifications without SMTP on $name', (target) => {
  let app: NotifyApp;
  beforeAll(async () => {
    app = await startNotifyApp(target);
  });
  afterAll(() => app.close());

  it('keeps emails in the outbox, shown as not sent', async () => {
    const org = await seedOrg(app as unknown as TestApp);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '20' });
    await app.call('PUT', `/v1/orgs/${org}/alerts`, { thresholds: [{ credits: '25' }], emails: ['ops@example.com'] });
    await app.tick();
    const [low] = await notificationsOf(app, org, 'balance.low');
    expect(low!.deliveries).toEqual([expect.objectContaining({ channel: 'email', status: 'not_sent', attempts: 0 })]);
  });
});
