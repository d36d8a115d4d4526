import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { eventId, seedOrg, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';
import { HookReceiver, startNotifyApp, type NotifyApp } from './helpers/notify.js';

/**
 * Spend caps (SPEC §3.16, issue 16 part 1): the caps API with its roles,
 * each cap's use in its window per scope, and cap.threshold alerts once per
 * crossing. The clock starts Tuesday 2026-03-10 12:00 UTC.
 */
describe.each(testDatabases)('spend caps on $name', (target) => {
  let app: NotifyApp;
  const hooks = new HookReceiver();

  beforeAll(async () => {
    await hooks.start();
    app = await startNotifyApp(target, { start: '2026-03-10T12:00:00Z' });
  });
  afterAll(async () => {
    await app.close();
    await hooks.close();
  });

  /** An organization with two groups, a manager of one, two members and a generous grant. */
  async function setup(timezone = 'UTC') {
    const org = await seedOrg(app as unknown as TestApp, { timezone });
    const call = (m: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, key?: string) =>
      app.call(m, `/v1/orgs/${org}${path}`, body, key ? { authorization: `Bearer ${key}` } : {});
    expect((await call('POST', '/grants', { name: 'Plan', source: 'included', amount: '100000' })).status).toBe(201);
    const red = (await call('POST', '/groups', { name: 'Red', monthly_allocation: '5000' })).body.id as string;
    const blue = (await call('POST', '/groups', { name: 'Blue', monthly_allocation: '5000' })).body.id as string;
    for (const [id, group, role] of [['ann', red, 'member'], ['bob', blue, 'member'], ['mia', red, 'manager']] as const) {
      const body = { id, email: `${id}@example.com`, name: id, role, group_id: group, monthly: '1000', ...(role === 'manager' ? { managed_group_ids: [red] } : {}) };
      expect((await call('POST', '/members', body)).status).toBe(201);
    }
    const key = async (role: string, member?: string) => {
      const res = await call('POST', '/api-keys', { name: `${role}-${member ?? 'org'}`, role, member });
      expect(res.status).toBe(201);
      return { secret: res.body.secret as string, id: res.body.id as string };
    };
    const keys = { owner: await key('owner'), billing: await key('billing_admin'), mia: await key('manager', 'mia'), ann: await key('member', 'ann'), bob: await key('member', 'bob') };
    return { org, call, red, blue, keys };
  }

  async function use(org: string, e: { meter?: string; quantity: string; user?: string; project?: string; at?: string }) {
    const res = await app.call('POST', '/v1/events', {
      events: [{ id: eventId(), org, meter: e.meter ?? 'tokens', quantity: e.quantity, timestamp: e.at ?? app.clock.now().toISOString(), user: e.user, project: e.project }],
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0].status).toBe('accepted');
    return res.body.results[0].id as string;
  }

  it('creates, lists, reads, changes and deletes a cap, each change audited', async () => {
    const { call } = await setup();
    const created = await call('POST', '/caps', { scope: 'org', window: 'calendar_month', limit: '500', mode: 'notify' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      scope: 'org', window: 'calendar_month', limit: '500', mode: 'notify', notify_at_percent: [80, 90, 100],
      used: '0', held: '0', remaining: '500', exceeded: false,
      window_start: '2026-03-01T00:00:00.000Z', window_end: '2026-04-01T00:00:00.000Z',
    });
    const id = created.body.id as string;
    expect(id).toMatch(/^cap_/);

    const patched = await call('PATCH', `/caps/${id}`, { limit: '250.5', mode: 'block', window: '1d' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ limit: '250.5', mode: 'block', window: '1d', notify_at_percent: [], window_start: '2026-03-10T00:00:00.000Z' });
    expect((await call('GET', `/caps/${id}`)).body.limit).toBe('250.5');
    expect((await call('GET', '/caps')).body.data.map((c: { id: string }) => c.id)).toEqual([id]);

    expect((await call('DELETE', `/caps/${id}`)).status).toBe(200);
    expect((await call('GET', `/caps/${id}`)).status).toBe(404);
    expect((await call('GET', '/caps')).body.data).toEqual([]);

    const audit = await call('GET', '/audit?limit=100');
    const actions = audit.body.data.filter((a: { target: string }) => a.target === id).map((a: { action: string }) => a.action);
    expect(actions.sort()).toEqual(['cap.create', 'cap.delete', 'cap.update']);
  });

  it('refuses bad caps with a code and a sentence, and changes nothing', async () => {
    const { call } = await setup();
    const bad: [unknown, number, string][] = [
      [{ scope: 'team:x', window: '1d', limit: '1', mode: 'block' }, 400, 'invalid_request'],
      [{ scope: 'group:', window: '1d', limit: '1', mode: 'block' }, 400, 'invalid_request'],
      [{ scope: 'org', window: '2d', limit: '1', mode: 'block' }, 400, 'invalid_request'],
      [{ scope: 'org', window: '1d', limit: '-1', mode: 'block' }, 400, 'invalid_amount'],
      [{ scope: 'org', window: '1d', limit: '1', mode: 'stop' }, 400, 'invalid_request'],
      [{ scope: 'org', window: '1d', limit: '1', mode: 'notify', notify_at_percent: [0] }, 400, 'invalid_request'],
      [{ scope: 'group:grp_nope', window: '1d', limit: '1', mode: 'block' }, 404, 'group_not_found'],
      [{ scope: 'member:nobody', window: '1d', limit: '1', mode: 'block' }, 404, 'member_not_found'],
      [{ scope: 'api_key:key_nope', window: '1d', limit: '1', mode: 'block' }, 404, 'not_found'],
      [{ scope: 'meter:nope', window: '1d', limit: '1', mode: 'block' }, 422, 'unknown_meter'],
    ];
    for (const [body, status, code] of bad) {
      const res = await call('POST', '/caps', body);
      expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([status, code]);
      expect(res.body.error.message.length).toBeGreaterThan(10);
    }
    expect((await call('PATCH', '/caps/cap_nope', { limit: '1' })).status).toBe(404);
    expect((await call('GET', '/caps')).body.data).toEqual([]);
  });

  it('lets owners and billing admins set any cap, managers only their groups and members, members none', async () => {
    const { call, red, blue, keys } = await setup();
    const cap = (scope: string) => ({ scope, window: '1w', limit: '100', mode: 'block' });
    expect((await call('POST', '/caps', cap('org'), keys.owner.secret)).status).toBe(201);
    expect((await call('POST', '/caps', cap(`group:${blue}`), keys.billing.secret)).status).toBe(201);
    // a manager: their group and its members, not another group, its members, or the organization
    expect((await call('POST', '/caps', cap(`group:${red}`), keys.mia.secret)).status).toBe(201);
    expect((await call('POST', '/caps', cap('member:ann'), keys.mia.secret)).status).toBe(201);
    expect((await call('POST', '/caps', cap(`api_key:${keys.ann.id}`), keys.mia.secret)).status).toBe(201);
    for (const scope of [`group:${blue}`, 'member:bob', 'org', 'project:search', 'meter:tokens', `api_key:${keys.bob.id}`]) {
      const res = await call('POST', '/caps', cap(scope), keys.mia.secret);
      expect([scope, res.status, res.body.error.code]).toEqual([scope, 403, 'forbidden']);
    }
    // a member sets nothing
    expect((await call('POST', '/caps', cap('member:ann'), keys.ann.secret)).status).toBe(403);
    const bobCap = await call('POST', '/caps', cap('member:bob'));
    expect((await call('POST', '/caps', cap('project:search'))).status).toBe(201);

    const scopes = async (key: string) => (await call('GET', '/caps', undefined, key)).body.data.map((c: { scope: string }) => c.scope).sort();
    expect(await scopes(keys.owner.secret)).toHaveLength(7);
    // Ann sees what binds her: the organization, her group, herself, her key, every project cap
    expect(await scopes(keys.ann.secret)).toEqual([`api_key:${keys.ann.id}`, `group:${red}`, 'member:ann', 'org', 'project:search'].sort());
    expect(await scopes(keys.bob.secret)).toEqual([`group:${blue}`, 'member:bob', 'org', 'project:search'].sort());
    // Mia sees her group's caps and those of its members, plus what binds her
    expect(await scopes(keys.mia.secret)).toEqual([`api_key:${keys.ann.id}`, `group:${red}`, 'member:ann', 'org', 'project:search'].sort());
    // "binding=me" lists what limits one's own usage, whatever one may manage
    const mine = async (key: string) =>
      (await call('GET', '/caps?binding=me', undefined, key)).body.data.map((c: { scope: string }) => c.scope).sort();
    expect(await mine(keys.mia.secret)).toEqual([`group:${red}`, 'org', 'project:search'].sort());
    expect(await mine(keys.ann.secret)).toEqual(await scopes(keys.ann.secret));
    expect(await mine(keys.owner.secret)).toEqual(['org', 'project:search']);
    // a cap one may not see does not exist for them; one one sees but may not manage is forbidden
    expect((await call('GET', `/caps/${bobCap.body.id}`, undefined, keys.ann.secret)).status).toBe(404);
    expect((await call('PATCH', `/caps/${bobCap.body.id}`, { limit: '1' }, keys.mia.secret)).status).toBe(404);
    const orgCap = (await call('GET', '/caps')).body.data.find((c: { scope: string }) => c.scope === 'org');
    expect((await call('PATCH', `/caps/${orgCap.id}`, { limit: '1' }, keys.mia.secret)).status).toBe(403);
    expect((await call('DELETE', `/caps/${orgCap.id}`, undefined, keys.ann.secret)).status).toBe(403);
    // another organization's key sees nothing here
    const other = await seedOrg(app as unknown as TestApp);
    const otherKey = (await app.call('POST', `/v1/orgs/${other}/api-keys`, { name: 'o', role: 'owner' })).body.secret as string;
    expect((await call('GET', '/caps', undefined, otherKey)).status).toBe(404);
  });

  it('counts each scope\'s usage and open holds in its current window', async () => {
    const { org, call, red, keys } = await setup();
    // Tuesday 2026-03-10 12:00 UTC; usage this month before this week, this week before today, and today
    await use(org, { quantity: '10', user: 'ann', project: 'search', at: '2026-03-02T10:00:00Z' });
    await use(org, { quantity: '20', user: 'ann', project: 'chat', at: '2026-03-09T10:00:00Z' });
    await use(org, { quantity: '40', user: 'mia', project: 'search', at: '2026-03-10T09:00:00Z' });
    await use(org, { quantity: '80', user: 'bob', at: '2026-03-10T11:00:00Z' });
    await use(org, { meter: 'runs', quantity: '1', user: 'ann', at: '2026-03-10T11:30:00Z' }); // one run: 0.25 credits
    const keyed = await use(org, { quantity: '5', user: 'ann', at: '2026-03-10T11:45:00Z' });
    // the write path fills api_key_id in a later part; here the column is set as it will be
    await app.db.transaction((tx) => tx.execute(sql`update events set api_key_id = ${keys.ann.id} where org_id = ${org} and id = ${keyed}`));
    const hold = await call('POST', '/holds', { member: 'ann', amount: '7' });
    expect(hold.status).toBe(201);

    const want: [string, string, string, string][] = [
      // scope, window, used, held
      ['org', '1d', '125.25', '7'],
      ['org', '1w', '145.25', '7'], // the ISO week starts Monday Mar 9
      ['org', 'calendar_month', '155.25', '7'],
      [`group:${red}`, '1d', '45.25', '7'], // ann and mia today
      [`group:${red}`, 'calendar_month', '75.25', '7'],
      ['member:ann', '1w', '25.25', '7'],
      ['member:bob', '1d', '80', '0'],
      ['project:search', 'calendar_month', '50', '0'],
      ['project:chat', '1d', '0', '0'],
      ['meter:runs', 'calendar_month', '0.25', '0'],
      ['meter:tokens', '1d', '125', '0'],
      [`api_key:${keys.ann.id}`, 'calendar_month', '5', '0'],
      ['org', 'cycle', '155.25', '7'], // the default cycle is the calendar month
    ];
    for (const [scope, window] of want) {
      expect((await call('POST', '/caps', { scope, window, limit: '100', mode: 'notify' })).status).toBe(201);
    }
    const list = (await call('GET', '/caps')).body.data as { scope: string; window: string; used: string; held: string; remaining: string; exceeded: boolean }[];
    expect(list.map((c) => [c.scope, c.window, c.used, c.held])).toEqual(want);
    const bob = list.find((c) => c.scope === 'member:bob')!;
    expect([bob.remaining, bob.exceeded]).toEqual(['20', false]);
    const month = list.find((c) => c.scope === 'org' && c.window === 'calendar_month')!;
    expect([month.remaining, month.exceeded]).toEqual(['0', true]);

    // a cycle that starts mid-day is counted from the events themselves
    app.clock.set(new Date('2026-03-10T11:40:00Z'));
    expect((await call('POST', '/cycle/reset')).status).toBe(200);
    app.clock.set(new Date('2026-03-10T12:00:00Z'));
    const cycleCap = (await call('GET', '/caps')).body.data.find((c: { window: string }) => c.window === 'cycle');
    expect([cycleCap.window_start, cycleCap.used]).toEqual(['2026-03-10T11:40:00.000Z', '5']);
  });

  it('computes windows in the organization\'s time zone', async () => {
    const { org, call } = await setup('America/New_York');
    // 2026-03-10 12:00 UTC is 08:00 in New York; 03:00 UTC today is still yesterday there
    await use(org, { quantity: '3', user: 'ann', at: '2026-03-10T03:00:00Z' });
    await use(org, { quantity: '4', user: 'ann', at: '2026-03-10T05:00:00Z' });
    const cap = await call('POST', '/caps', { scope: 'member:ann', window: '1d', limit: '10', mode: 'block' });
    expect(cap.body).toMatchObject({ used: '4', window_start: '2026-03-10T04:00:00.000Z', window_end: '2026-03-11T04:00:00.000Z' });
  });

  it('sends cap.threshold once per crossing of each percent, over email and a signed webhook', async () => {
    const { org, call } = await setup();
    const ep = await call('POST', '/webhooks', { url: hooks.url, events: ['cap.threshold'] });
    expect(ep.status).toBe(201);
    const secret = ep.body.secret as string;
    expect((await call('PUT', '/alerts', { thresholds: [], emails: ['ops@example.com'] })).status).toBe(200);
    const notify = (await call('POST', '/caps', { scope: 'member:ann', window: '1d', limit: '100', mode: 'notify' })).body.id as string;
    expect((await call('POST', '/caps', { scope: 'member:ann', window: '1d', limit: '50', mode: 'block' })).status).toBe(201);
    const alerts = async () =>
      ((await app.call('GET', `/v1/orgs/${org}/notifications?type=cap.threshold&limit=100`)).body.data as { id: string; data: { cap_id: string; percent: number; used: string } }[])
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((n) => [n.data.cap_id === notify ? 'notify' : 'block', n.data.percent, n.data.used] as const);

    await use(org, { quantity: '79', user: 'ann' });
    await app.tick();
    expect(await alerts()).toEqual([['block', 100, '79']]);
    await use(org, { quantity: '1', user: 'ann' });
    // two instances evaluate at once: the row lock lets one alert
    await Promise.all([app.tick(), app.app.scheduler.runOnce()]);
    await app.tick();
    expect(await alerts()).toEqual([['block', 100, '79'], ['notify', 80, '80']]);
    await use(org, { quantity: '25', user: 'ann' }); // 105: crosses 90 and 100 at once
    await app.tick();
    await app.tick();
    expect((await alerts()).filter((a) => a[0] === 'notify').map((a) => a[1])).toEqual([80, 90, 100]);

    // a raised limit re-arms what usage is now below; crossing it again alerts again
    expect((await call('PATCH', `/caps/${notify}`, { limit: '200' })).status).toBe(200);
    await app.tick();
    await use(org, { quantity: '55', user: 'ann' }); // 160 of 200 = 80 %
    await app.tick();
    expect((await alerts()).filter((a) => a[0] === 'notify').map((a) => a[1])).toEqual([80, 90, 100, 80]);

    // a new day is a new window: crossings alert again
    app.clock.set(new Date('2026-03-11T12:00:00Z'));
    await use(org, { quantity: '60', user: 'ann' });
    await app.tick();
    const all = await alerts();
    expect(all.filter((a) => a[0] === 'block').map((a) => a[2])).toEqual(['79', '60']);

    // every webhook is signed and carries the cap
    await app.tick();
    const received = hooks.received.map((h) => hooks.verify(h, secret)).filter((m) => m.type === 'cap.threshold' && m.data.org_id === org);
    expect(received.length).toBe(all.length);
    expect(received[0]!.data).toMatchObject({ scope: 'member:ann', window: '1d' });
    // and each alert is also an email to the alert recipients
    const sent = (await app.call('GET', `/v1/orgs/${org}/notifications?type=cap.threshold&limit=100`)).body.data as { deliveries: { channel: string }[] }[];
    expect(sent.every((n) => n.deliveries.map((d) => d.channel).sort().join() === 'email,webhook')).toBe(true);
  });

  it('keeps the alert state on rows every instance reads', async () => {
    const { org, call } = await setup();
    const id = (await call('POST', '/caps', { scope: 'org', window: '1d', limit: '10', mode: 'notify', notify_at_percent: [50] })).body.id as string;
    await use(org, { quantity: '6', user: 'bob' });
    await app.tick();
    const [state] = await app.db.read((q) =>
      rows<{ notified_pct: number; window_start: Date }>(q, sql`select notified_pct, window_start from caps where org_id = ${org} and id = ${id}`),
    );
    expect(state!.notified_pct).toBe(50);
    expect(new Date(state!.window_start).toISOString()).toBe('2026-03-11T00:00:00.000Z');
  });
});
