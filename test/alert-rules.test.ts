import { sql } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { ManualClock } from '../src/clock.js';
import { rows, type Database } from '../src/db/client.js';
import { NOTIFICATION_CATALOGUE } from '../src/modules/outbox/catalogue.js';
import { eventId, PLATFORM_KEY, TEST_METERS } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';
import { HookReceiver } from './helpers/notify.js';

type App = Awaited<ReturnType<typeof createApp>>;
type RuleType = 'runway.low' | 'grant.expiring' | 'usage.spike' | 'allocation.low';

/**
 * Every alert rule type, each in its own organization, on two server
 * instances sharing one database: the condition is brought about by
 * concurrent writers on both instances while both schedulers race; the rule
 * must fire once, survive a restart without firing again, resolve once, and
 * each notice must reach the webhook once.
 */
describe.each(testDatabases)('alert rules on $name', (target) => {
  let db: Database;
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const apps: App[] = [];
  const hooks = new HookReceiver();
  const open = () => createApp({ db, clock, platformKey: PLATFORM_KEY, log: pino({ level: 'error' }) });

  async function call(i: number, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown) {
    const options: InjectOptions = { method, url, headers: { authorization: `Bearer ${PLATFORM_KEY}` } };
    if (body !== undefined) options.payload = body as object;
    const res = await apps[i]!.server.inject(options);
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, text: res.body };
  }
  const ok = async (i: number, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown) => {
    const res = await call(i, method, url, body);
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.text}`);
    return res.body;
  };
  const ingest = (i: number, org: string, quantity: string, at: string, user = 'ann') =>
    ok(i, 'POST', '/v1/events', { events: [{ id: eventId(), org, meter: 'tokens', quantity, timestamp: at, user }] });
  /** Both instances' schedulers, twice each, at once. */
  const race = () => Promise.all([apps[0]!.scheduler.runOnce(), apps[1]!.scheduler.runOnce(), apps[0]!.scheduler.runOnce(), apps[1]!.scheduler.runOnce()]);

  const notices = async (org: string, type: string) =>
    db.read((q) => rows<{ data: Record<string, unknown> }>(q, sql`select data from notifications where org_id = ${org} and type = ${type} order by id`));
  /**
   * The distinct messages the receiver got for an organization and type. A
   * send that timed out on this loaded machine is retried with the same
   * webhook-id, which receivers use to drop repeats (Standard Webhooks).
   */
  const received = (org: string, type: string, secret: string) => {
    const seen = new Set<string>();
    return hooks.received
      .filter((h) => (JSON.parse(h.body) as { data: { org_id: string } }).data.org_id === org && h.status < 300)
      .filter((h) => !seen.has(String(h.headers['webhook-id'])) && seen.add(String(h.headers['webhook-id'])))
      .map((h) => hooks.verify(h, secret)) // signed with this organization's endpoint secret
      .filter((p) => p.type === type);
  };
  /** Runs both instances until the organization's outbox is empty; a failed attempt is made due again at once (the clock stands still). */
  async function deliver(org: string) {
    for (let i = 0; i < 10; i++) {
      await race();
      const [left] = await db.read((q) => rows<{ n: number }>(q, sql`select count(*)::int as n from outbox where org_id = ${org} and status = 'pending'`));
      if (Number(left!.n) === 0) return;
      await db.transaction((tx) => tx.execute(sql`update outbox set next_attempt_at = ${clock.now().toISOString()}::timestamptz where org_id = ${org} and status = 'pending'`));
    }
  }

  const orgs = {} as Record<RuleType, { id: string; secret: string }>;

  beforeAll(async () => {
    db = await target.open();
    apps.push(await open(), await open());
    await hooks.start();
    for (const [key, m] of Object.entries(TEST_METERS)) await ok(0, 'PUT', `/v1/meters/${key}`, m);
    for (const type of ['runway.low', 'grant.expiring', 'usage.spike', 'allocation.low'] as const) {
      const org = (await ok(0, 'POST', '/v1/orgs', { name: type, timezone: 'UTC', credit_factor: '1000' })).id as string;
      await ok(0, 'PATCH', `/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '1000' });
      await ok(0, 'POST', `/v1/orgs/${org}/members`, { id: 'ann', email: 'ann@a.test', name: 'Ann', role: 'member', monthly: '150' });
      await ok(0, 'POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '1000', priority: 10 });
      const hook = await ok(0, 'POST', `/v1/orgs/${org}/webhooks`, { url: hooks.url, events: [type] });
      orgs[type] = { id: org, secret: hook.secret as string };
    }
    // Ten days of steady history: 10 credits a day by Ann (late events, within the grace window).
    clock.set('2026-03-11T00:00:00Z');
    for (const { id } of Object.values(orgs)) {
      const events = Array.from({ length: 10 }, (_, d) => ({ id: eventId(), org: id, meter: 'tokens', quantity: '10', timestamp: `2026-03-${String(d + 1).padStart(2, '0')}T12:00:00Z`, user: 'ann' }));
      await ok(0, 'POST', '/v1/events', { events });
    }
    clock.set('2026-03-11T09:00:00Z');
  }, 600_000); // two app instances and four organizations on a machine shared by parallel test runs
  afterAll(async () => {
    for (const app of apps) await app.close();
    await hooks.close();
    await db.close();
  });

  async function check(type: RuleType, fire: (org: string) => Promise<unknown>, resolve: (org: string) => Promise<unknown>, expectFired: Record<string, unknown>) {
    const { id: org, secret } = orgs[type];
    await race();
    expect(await notices(org, type)).toEqual([]); // not crossed yet
    await fire(org);
    await race();
    const fired = await notices(org, type);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.data).toMatchObject({ status: 'firing', ...expectFired });
    NOTIFICATION_CATALOGUE[type].data.parse(fired[0]!.data); // the payload is the documented one
    // A restart of one instance re-runs the job against the stored state: nothing new.
    await apps[0]!.close();
    apps[0] = await open();
    await race();
    expect(await notices(org, type)).toHaveLength(1);
    await deliver(org);
    expect(received(org, type, secret).map((p) => p.data.status)).toEqual(['firing']);
    await resolve(org);
    await race();
    await deliver(org);
    const all = await notices(org, type);
    expect(all.map((n) => n.data.status)).toEqual(['firing', 'resolved']);
    expect(received(org, type, secret).map((p) => p.data.status)).toEqual(['firing', 'resolved']);
    const got = await ok(1, 'GET', `/v1/orgs/${org}/alerts`);
    expect(got.rules[0].subjects.every((s: { state: string }) => s.state === 'ok')).toBe(true);
  }

  it('runway.low fires once when concurrent usage brings the run-out date within N days, and resolves once after a top-up', async () => {
    await ok(0, 'PUT', `/v1/orgs/${orgs['runway.low'].id}/alerts`, { thresholds: [], rules: [{ type: 'runway.low', days: 14 }] });
    await check(
      'runway.low',
      // 900 − 4 × 200 = 100 left at 10 a day: runs out on Mar 22, within 14 days of Mar 11.
      (org) => Promise.all([0, 1, 0, 1].map((i) => ingest(i, org, '200', '2026-03-11T08:00:00Z'))),
      (org) => ok(1, 'POST', `/v1/orgs/${org}/grants`, { name: 'Top-up', source: 'purchased', amount: '1000' }),
      { run_out_date: '2026-03-22', days: 14 },
    );
  });

  it('grant.expiring fires once for credit projected to expire unused, and resolves once when it is voided', async () => {
    const org = orgs['grant.expiring'].id;
    await ok(0, 'PUT', `/v1/orgs/${org}/alerts`, { thresholds: [], rules: [{ type: 'grant.expiring', days: 7 }] });
    let grantId = '';
    await check(
      'grant.expiring',
      // Priority 90 is drawn after the plan's 900 credits: all 50 would expire on Mar 15.
      async () => {
        const [g] = await Promise.all([
          ok(0, 'POST', `/v1/orgs/${org}/grants`, { name: 'Promo', source: 'promotional', amount: '50', priority: 90, expires_at: '2026-03-15T00:00:00Z' }),
          ingest(1, org, '1', '2026-03-11T08:00:00Z'),
          ingest(0, org, '1', '2026-03-11T08:01:00Z'),
        ]);
        grantId = g.id as string;
      },
      () => ok(1, 'POST', `/v1/orgs/${org}/grants/${grantId}/void`, { reason: 'withdrawn' }),
      { amount: '50', expires_at: '2026-03-15T00:00:00.000Z', days: 7 },
    );
  });

  it("usage.spike fires once when a member's day exceeds k × the 14-day median, and resolves once the next day", async () => {
    const org = orgs['usage.spike'].id;
    await ok(0, 'PUT', `/v1/orgs/${org}/alerts`, { thresholds: [], rules: [{ type: 'usage.spike', scope: 'member', factor: 3, min_credits: '50' }] });
    await check(
      'usage.spike',
      // Median 10 (ten days of 10, four days before the organization existed are not counted): 4 × 20 = 80 > 30.
      (o) => Promise.all([0, 1, 0, 1].map((i) => ingest(i, o, '20', '2026-03-11T08:00:00Z'))),
      async () => clock.set('2026-03-12T09:00:00Z'),
      { subject: 'member:ann', credits: '80', median: '10', date: '2026-03-11' },
    );
    clock.set('2026-03-11T09:00:00Z');
  });

  it("allocation.low fires once when a member's remaining allocation falls below the level, and resolves once after a raise", async () => {
    const org = orgs['allocation.low'].id;
    await ok(0, 'PUT', `/v1/orgs/${org}/alerts`, { thresholds: [], rules: [{ type: 'allocation.low', scope: 'member:ann', credits: '20' }] });
    await check(
      'allocation.low',
      // 150 − 100 − 4 × 10 = 10 left, below 20.
      (o) => Promise.all([0, 1, 0, 1].map((i) => ingest(i, o, '10', '2026-03-11T08:00:00Z'))),
      (o) => ok(1, 'PATCH', `/v1/orgs/${o}/members/ann`, { monthly: '300' }),
      { subject: 'member:ann', remaining: '10', level: '20', allocation: '150' },
    );
  });

  it('rejects a malformed rule with a 400 and changes nothing', async () => {
    const org = orgs['runway.low'].id;
    await ok(0, 'PUT', `/v1/orgs/${org}/alerts`, { thresholds: [], rules: [{ type: 'runway.low', days: 14 }] });
    const before = await ok(0, 'GET', `/v1/orgs/${org}/alerts`);
    for (const rules of [[{ type: 'runway.low' }], [{ type: 'usage.spike', scope: 'org', factor: 1 }], [{ type: 'allocation.low', scope: 'member:ann', credits: '1', percent: 5 }], [{ type: 'nope' }]]) {
      const res = await call(0, 'PUT', `/v1/orgs/${org}/alerts`, { thresholds: [], rules });
      expect(res.status).toBe(400);
    }
    expect((await ok(0, 'GET', `/v1/orgs/${org}/alerts`)).rules).toEqual(before.rules);
    // The saved rule was audited with the settings.
    const audit = await ok(0, 'GET', `/v1/orgs/${org}/audit?action=alerts.update`);
    const first = audit.data.at(-1); // the oldest: the rule's creation
    expect(first.before.rules).toEqual([]);
    expect(first.after.rules).toEqual([{ id: before.rules[0].id, type: 'runway.low', days: 14 }]);
  });
});
