import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/** Issue 11 / SPEC §1: a manager reads the usage of the members of their groups only, by key and by session. */
describe.each(testDatabases)('manager scope of usage reads on $name', (target) => {
  let app: TestApp;
  let org: string;
  const auth: Record<'key' | 'session' | 'owner', Record<string, string>> = { key: {}, session: {}, owner: {} };
  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app);
    await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '1000' });
    const team = (await app.call('POST', `/v1/orgs/${org}/groups`, { name: 'Team' })).body.id as string;
    const made = [
      await app.call('POST', `/v1/orgs/${org}/members`, { id: 'mgr', email: 'mgr@a.test', name: 'mgr', role: 'manager', managed_group_ids: [team] }),
      await app.call('POST', `/v1/orgs/${org}/members`, { id: 'mine', email: 'mine@a.test', name: 'mine', role: 'member', group_id: team }),
      await app.call('POST', `/v1/orgs/${org}/members`, { id: 'theirs', email: 'theirs@a.test', name: 'theirs', role: 'member' }),
    ];
    for (const m of made) expect(m.status, m.text).toBe(201);
    const key = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'mgr', role: 'manager', member: 'mgr' });
    auth.key = { authorization: `Bearer ${key.body.secret}` };
    await app.call('PUT', `/v1/orgs/${org}/members/mgr/password`, { password: 'correct horse battery' });
    const login = await app.call('POST', '/v1/auth/login', { email: 'mgr@a.test', password: 'correct horse battery' }, { authorization: '' });
    expect(login.status, login.text).toBe(200);
    auth.session = { authorization: '', cookie: String(([] as string[]).concat(login.headers['set-cookie'] as string)[0]).split(';')[0]! };
    auth.owner = {};
    const now = app.clock.now().toISOString();
    const events = [
      { id: 'e-mine', org, meter: 'tokens', quantity: '3', timestamp: now, user: 'mine' },
      { id: 'e-theirs', org, meter: 'tokens', quantity: '40', timestamp: now, user: 'theirs' },
      { id: 'e-none', org, meter: 'tokens', quantity: '500', timestamp: now },
    ];
    expect((await app.call('POST', '/v1/events', { events })).body.accepted).toBe(3);
  });
  afterAll(() => app.close());

  const get = (how: 'key' | 'session' | 'owner', url: string) => app.call('GET', `/v1/orgs/${org}${url}`, undefined, auth[how]);

  it.each(['key', 'session'] as const)('by %s: the events list shows only their members, naming another is refused', async (how) => {
    const list = await get(how, '/events');
    expect(list.status).toBe(200);
    expect(list.body.data.map((e: { id: string }) => e.id)).toEqual(['e-mine']);
    const other = await get(how, '/events?user=theirs');
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('forbidden');
    expect((await get(how, '/events?user=mine')).body.data).toHaveLength(1);
  });

  it.each(['key', 'session'] as const)('by %s: breakdowns, series and the export count only their members', async (how) => {
    const byUser = await get(how, '/usage/breakdown?by=user');
    expect(byUser.status).toBe(200);
    expect(byUser.body.data.map((r: { key: string }) => r.key)).toEqual(['mine']);
    expect(byUser.body.total_credits).toBe('3');
    const byMeter = await get(how, '/usage/breakdown?by=meter');
    expect(byMeter.body.total_credits).toBe('3');
    const series = await get(how, '/usage/series');
    expect(series.status).toBe(200);
    const credits = series.body.series.flatMap((s: { points: { credits: string }[] }) => s.points.map((p) => Number(p.credits))).reduce((a: number, b: number) => a + b, 0);
    expect(credits).toBe(3);
    const csv = await get(how, '/events/export.csv');
    expect(csv.status).toBe(200);
    expect(csv.text).toContain('e-mine');
    expect(csv.text).not.toContain('e-theirs');
    expect(csv.text).not.toContain('e-none');
  });

  it('owners still see everyone', async () => {
    expect((await get('owner', '/events')).body.data).toHaveLength(3);
    expect((await get('owner', '/usage/breakdown?by=meter')).body.total_credits).toBe('543');
  });
});
