import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

interface EventRow {
  id: string;
  user: string | null;
  cost_credits: string;
}

/**
 * SPEC §1 / §6 page 7: a member sees their own usage. GET /events for a member key is always
 * scoped to the key's member; naming anyone else is refused; the other roles keep the whole list.
 */
describe.each(testDatabases)('members list their own events on $name', (target) => {
  let app: TestApp;
  let org: string;
  const keys = {} as Record<'owner' | 'manager' | 'ann' | 'bob', string>;
  const as = (who: keyof typeof keys, url: string) => app.call('GET', url, undefined, { authorization: `Bearer ${keys[who]}` });
  const base = () => `/v1/orgs/${org}`;

  /** Every page of a listing, following next_cursor. */
  async function all(who: keyof typeof keys, query: string): Promise<EventRow[]> {
    const out: EventRow[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i++) {
      const res = await as(who, `${base()}/events?limit=3${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status, res.text).toBe(200);
      out.push(...(res.body.data as EventRow[]));
      cursor = res.body.next_cursor as string | null;
      if (!cursor) return out;
    }
    throw new Error('pagination did not end');
  }

  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
    org = await seedOrg(app);
    expect((await app.call('POST', `${base()}/grants`, { name: 'Plan', source: 'included', amount: '100000' })).status).toBe(201);
    for (const [id, role] of [
      ['m_ann', 'member'],
      ['m_bob', 'member'],
      ['m_mgr', 'manager'],
    ] as const) {
      const res = await app.call('POST', `${base()}/members`, { id, email: `${id}@example.com`, name: id, role });
      expect(res.status, res.text).toBe(201);
    }
    for (const [who, role, member] of [
      ['owner', 'owner', undefined],
      ['manager', 'manager', 'm_mgr'],
      ['ann', 'member', 'm_ann'],
      ['bob', 'member', 'm_bob'],
    ] as const) {
      const key = await app.call('POST', `${base()}/api-keys`, { name: who, role, member });
      expect(key.status, key.text).toBe(201);
      keys[who] = key.body.secret as string;
    }
    // Seven events for Ann, four for Bob, two with no user, spread over the last hours.
    const users = [...Array<string>(7).fill('m_ann'), ...Array<string>(4).fill('m_bob'), undefined, undefined];
    const events = users.map((user, i) => ({
      id: eventId(),
      org,
      meter: 'tokens',
      quantity: String(10 + i),
      timestamp: new Date(Date.parse('2026-03-10T11:00:00Z') + i * 60_000).toISOString(),
      ...(user ? { user, project: `p${i % 2}` } : {}),
    }));
    const ingest = await app.call('POST', '/v1/events', { events });
    expect(ingest.status, ingest.text).toBe(200);
    expect(ingest.body.accepted).toBe(users.length);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('a member key sees exactly its own events, page by page, with or without naming itself', async () => {
    const everything = await all('owner', '');
    expect(everything).toHaveLength(13);
    const annsByOwner = everything.filter((e) => e.user === 'm_ann');
    expect(annsByOwner).toHaveLength(7);

    const implicit = await all('ann', '');
    expect(implicit).toEqual(annsByOwner);
    const explicit = await all('ann', '&user=m_ann');
    expect(explicit).toEqual(annsByOwner);
    // Other filters still apply inside the member's own events.
    const onlyP0 = await all('ann', '&project=p0');
    expect(onlyP0).toEqual(everything.filter((e) => e.user === 'm_ann' && (e as unknown as { project: string }).project === 'p0'));

    const bobs = await all('bob', '');
    expect(bobs.map((e) => e.id)).toEqual(everything.filter((e) => e.user === 'm_bob').map((e) => e.id));
  });

  it("asking for another member's events is refused and shows none of them", async () => {
    for (const user of ['m_bob', 'm_mgr', 'nobody']) {
      const res = await as('ann', `${base()}/events?user=${user}`);
      expect(res.status, res.text).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect(res.body.error.message).toMatch(/only their own usage events/);
      expect(res.text).not.toMatch(/m_bob"|cost_credits/);
    }
  });

  it('owners see every event of the organization; a manager only their groups (here none: test/manager-scope.test.ts)', async () => {
    const owner = await all('owner', '');
    const manager = await all('manager', '');
    expect(manager).toEqual(owner.filter((e) => e.user === 'm_mgr'));
    expect(new Set(owner.map((e) => e.user))).toEqual(new Set(['m_ann', 'm_bob', null]));
    expect(await all('owner', '&user=m_bob')).toHaveLength(4);
  });

  it('the CSV export and the usage series / breakdown stay closed to members', async () => {
    for (const url of [`${base()}/events/export.csv`, `${base()}/usage/series`, `${base()}/usage/breakdown`]) {
      const member = await as('ann', url);
      expect(member.status, `${url}: ${member.text}`).toBe(403);
      expect(member.body.error.code).toBe('forbidden');
      const owner = await as('owner', url);
      expect(owner.status, `${url}: ${owner.text}`).toBe(200);
    }
  });

  it("another organization's member key cannot list this organization's events", async () => {
    const other = await seedOrg(app, { name: 'Other' });
    expect((await app.call('POST', `/v1/orgs/${other}/members`, { id: 'm_x', email: 'x@example.com', name: 'x', role: 'member' })).status).toBe(201);
    const key = await app.call('POST', `/v1/orgs/${other}/api-keys`, { name: 'x', role: 'member', member: 'm_x' });
    expect(key.status, key.text).toBe(201);
    const res = await app.call('GET', `${base()}/events`, undefined, { authorization: `Bearer ${key.body.secret as string}` });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('organization_not_found');
  });
});
