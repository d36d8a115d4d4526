import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../src/http/schemas.js';
import { seedOrg, startTestApp, type TestApp, roleKey } from './helpers/app.js';
import { grant, ingest, micro, rawBalanceBefore } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

describe.each(testDatabases)('statements on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
  });
  afterAll(() => app.close());

  it('keeps end-of-day balances across a 23-hour day and a period boundary at local midnight; a late event changes only the open period', async () => {
    app.clock.set('2026-03-10T12:00:00Z');
    const org = await seedOrg(app, { timezone: 'Europe/Paris' });
    await grant(app, org, { amount: '1000' });
    // Paris goes from UTC+1 to UTC+2 on 2026-03-29: that local day lasts 23 hours.
    app.clock.set('2026-03-31T21:59:30Z');
    await ingest(app, org, [
      { quantity: '1', at: '2026-03-28T22:30:00Z', job_id: 'j1', job_name: 'train-a', project: 'p1', user: 'u1' }, // 28th 23:30 CET
      { quantity: '2', at: '2026-03-28T23:30:00Z', job_id: 'j2', job_name: 'train-b' }, // 29th 00:30 CET
      { quantity: '4', at: '2026-03-29T21:30:00Z', job_id: 'j2', job_name: 'train-b' }, // 29th 23:30 CEST
      { quantity: '8', at: '2026-03-29T22:30:00Z' }, // 30th 00:30 CEST
      { quantity: '16', at: '2026-03-31T21:59:00Z' }, // 31st 23:59 CEST
    ]);
    const open = await app.call('GET', `/v1/orgs/${org}/statements/current`);
    expect(open.status).toBe(200);
    expect(open.body).toMatchObject({ period: '2026-03', status: 'open', starts_at: '2026-02-28T23:00:00.000Z', ends_at: '2026-03-31T22:00:00.000Z' });
    expect(open.body.days).toHaveLength(31);

    app.clock.set('2026-03-31T22:00:00Z'); // April 1st, 00:00 in Paris
    await ingest(app, org, [{ quantity: '32', at: '2026-03-31T22:00:00Z' }]);
    await app.scheduler.runOnce();

    const march = await app.call('GET', `/v1/orgs/${org}/statements/2026-03`);
    expect(march.body.status).toBe('closed');
    const day = (d: string) => march.body.days.find((x: { date: string }) => x.date === d);
    expect(day('2026-03-10')).toMatchObject({ top_ups: '1000', credits_used: '0', balance: '1000' });
    expect(day('2026-03-28')).toMatchObject({ credits_used: '1', balance: '999' });
    expect(day('2026-03-29')).toMatchObject({ credits_used: '6', balance: '993' });
    expect(day('2026-03-30')).toMatchObject({ credits_used: '8', balance: '985' });
    expect(day('2026-03-31')).toMatchObject({ credits_used: '16', balance: '969' });
    expect(march.body.summary).toEqual({
      brought_forward: '0',
      purchased: '0',
      granted: '1000',
      adjustments: '0',
      consumed: '31',
      expired: '0',
      rolled_over: '0',
      forfeited: '0',
      corrections: '0',
      closing: '969',
    });
    // every end-of-day balance equals the raw ledger at the next local midnight
    expect(micro(day('2026-03-29').balance)).toBe(await rawBalanceBefore(app, org, '2026-03-29T22:00:00Z'));
    expect(micro(march.body.summary.closing)).toBe(await rawBalanceBefore(app, org, '2026-03-31T22:00:00Z'));

    const jobs = await app.call('GET', `/v1/orgs/${org}/statements/2026-03/days/2026-03-29/jobs`);
    expect(jobs.body.data).toEqual([
      { kind: 'job', job_id: 'j2', name: 'train-b', project: null, user: null, resource_class: null, credits_used: '6' },
    ]);

    // A late event for March 30th, after March closed: booked on April 1st, original timestamp kept.
    app.clock.set('2026-04-02T10:00:00Z');
    await ingest(app, org, [{ id: 'late-1', quantity: '64', at: '2026-03-30T10:00:00Z', job_id: 'j9', job_name: 'late' }]);
    await app.scheduler.runOnce();
    const marchAgain = await app.call('GET', `/v1/orgs/${org}/statements/2026-03`);
    expect(marchAgain.body).toEqual(march.body);
    const april = await app.call('GET', `/v1/orgs/${org}/statements/current`);
    expect(april.body).toMatchObject({ period: '2026-04', status: 'open' });
    expect(april.body.summary).toMatchObject({ brought_forward: '969', consumed: '96', closing: '873' });
    expect(april.body.days).toEqual([
      { date: '2026-04-01', top_ups: '0', credits_used: '96', expired: '0', balance: '873' },
      { date: '2026-04-02', top_ups: '0', credits_used: '0', expired: '0', balance: '873' },
    ]);
    const aprilJobs = await app.call('GET', `/v1/orgs/${org}/statements/current/days/2026-04-01/jobs`);
    // the late job is booked on April 1st, beside that day's usage without a job: together, its Credits Used
    expect(aprilJobs.body.data.map((j: { job_id: string; credits_used: string }) => `${j.job_id} ${j.credits_used}`)).toEqual([
      'meter:tokens 32',
      'j9 64',
    ]);
    const events = await app.call('GET', `/v1/orgs/${org}/events?from=2026-03-30T09:00:00Z&to=2026-03-30T11:00:00Z`);
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0]).toMatchObject({ id: 'late-1', timestamp: '2026-03-30T10:00:00.000Z' });
  });

  it('counts the 25-hour day of the autumn change as one day', async () => {
    app.clock.set('2026-10-20T12:00:00Z');
    const org = await seedOrg(app, { timezone: 'Europe/Paris' });
    await grant(app, org, { amount: '100' });
    app.clock.set('2026-10-26T12:00:00Z');
    // Oct 25th runs from 2026-10-24T22:00Z to 2026-10-25T23:00Z (25 hours) in Paris.
    await ingest(app, org, [
      { quantity: '1', at: '2026-10-24T22:00:00Z' },
      { quantity: '2', at: '2026-10-25T22:59:59Z' },
      { quantity: '4', at: '2026-10-25T23:00:00Z' },
    ]);
    const s = await app.call('GET', `/v1/orgs/${org}/statements/current`);
    const day = (d: string) => s.body.days.find((x: { date: string }) => x.date === d);
    expect(day('2026-10-25')).toMatchObject({ credits_used: '3', balance: '97' });
    expect(day('2026-10-26')).toMatchObject({ credits_used: '4', balance: '93' });
    expect(micro(day('2026-10-25').balance)).toBe(await rawBalanceBefore(app, org, '2026-10-25T23:00:00Z'));
  });

  it('books due expiries before closing and shows unbooked ones in the open period', async () => {
    app.clock.set('2026-11-02T12:00:00Z');
    const org = await seedOrg(app, { timezone: 'America/New_York' });
    await grant(app, org, { amount: '50', expires_at: '2026-11-20T12:00:00Z' });
    app.clock.set('2026-11-21T12:00:00Z');
    // no scheduler run yet: the open statement already counts the expiry
    const open = await app.call('GET', `/v1/orgs/${org}/statements/current`);
    expect(open.body.summary).toMatchObject({ granted: '50', expired: '50', closing: '0' });
    expect(open.body.days.find((d: { date: string }) => d.date === '2026-11-20')).toMatchObject({ expired: '50', balance: '0' });
    app.clock.set('2026-12-01T06:00:00Z'); // 01:00 local on Dec 1st
    const before = await app.call('GET', `/v1/orgs/${org}/statements/2026-11`);
    const done = await app.scheduler.runOnce();
    expect(done['block-expiry']! + done['period-close']!).toBeGreaterThanOrEqual(2);
    const closed = await app.call('GET', `/v1/orgs/${org}/statements/2026-11`);
    expect(closed.body).toEqual(before.body);
    expect(closed.body.summary).toMatchObject({ brought_forward: '0', granted: '50', expired: '50', closing: '0' });
  });

  it('lists periods newest first and refuses bad periods and other roles', async () => {
    app.clock.set('2026-12-05T12:00:00Z');
    const org = await seedOrg(app);
    app.clock.set('2027-02-05T12:00:00Z');
    const list = await app.call('GET', `/v1/orgs/${org}/statements`);
    expect(list.body.data.map((p: { period: string; status: string }) => `${p.period}:${p.status}`)).toEqual([
      '2027-02:open',
      '2027-01:closed',
      '2026-12:closed',
    ]);
    expect((await app.call('GET', `/v1/orgs/${org}/statements/2026-13`)).body.error.code).toBe('invalid_request');
    expect((await app.call('GET', `/v1/orgs/${org}/statements/2026-11`)).status).toBe(404);
    expect((await app.call('GET', `/v1/orgs/${org}/statements/2027-03`)).status).toBe(404);
    expect((await app.call('GET', `/v1/orgs/${org}/statements/current/days/2027-03-01/jobs`)).body.error.code).toBe('invalid_request');
    const key = await roleKey(app, org, 'member');
    const asMember = await app.call('GET', `/v1/orgs/${org}/statements/current`, undefined, { authorization: `Bearer ${key}` });
    expect(asMember.status).toBe(403);
    const other = await seedOrg(app);
    const otherKey = await app.call('POST', `/v1/orgs/${other}/api-keys`, { name: 'o', role: 'owner' });
    const cross = await app.call('GET', `/v1/orgs/${org}/statements/current`, undefined, { authorization: `Bearer ${otherKey.body.secret}` });
    expect(cross.status).toBe(404);
  });

  it('pages a day\'s jobs by credits used, highest first then job id, each job exactly once; bad cursors and limits are refused', async () => {
    app.clock.set('2027-05-01T08:00:00Z');
    const org = await seedOrg(app);
    await grant(app, org, { amount: '1000' });
    app.clock.set('2027-05-03T12:00:00Z');
    // Ties at 5 and 3 credits straddle page boundaries; j-x is on another day and must not appear.
    const usage: [string, string][] = [['j-g', '1'], ['j-c', '5'], ['j-e', '3'], ['j-a', '5'], ['j-f', '9'], ['j-d', '3'], ['j-b', '5']];
    await ingest(app, org, [
      ...usage.map(([job, quantity]) => ({ quantity, at: '2027-05-02T10:00:00Z', job_id: job, job_name: `name ${job}` })),
      { quantity: '2', at: '2027-05-02T11:00:00Z', job_id: 'j-c', job_name: 'name j-c' }, // j-c: 5 + 2 = 7
      { quantity: '50', at: '2027-05-01T10:00:00Z', job_id: 'j-x', job_name: 'other day' },
    ]);
    const expected = ['j-f:9', 'j-c:7', 'j-a:5', 'j-b:5', 'j-d:3', 'j-e:3', 'j-g:1'];
    const url = `/v1/orgs/${org}/statements/current/days/2027-05-02/jobs`;
    const key = (j: { job_id: string; credits_used: string }) => `${j.job_id}:${j.credits_used}`;

    const all = await app.call('GET', url);
    expect(all.status).toBe(200);
    expect(all.body.data.map(key)).toEqual(expected);
    expect(all.body.next_cursor).toBeNull();

    for (const limit of [1, 2, 3, 6, 7]) {
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const res = await app.call('GET', `${url}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.data.map(key));
        sizes.push(res.body.data.length);
        cursor = res.body.next_cursor;
      } while (cursor !== null && seen.length <= expected.length);
      expect(seen).toEqual(expected);
      expect(sizes.slice(0, -1).every((n) => n === limit)).toBe(true);
      expect(sizes.length).toBe(Math.ceil(expected.length / limit));
    }

    const first = await app.call('GET', `${url}?limit=3`);
    const bad = [
      `${url}?cursor=not-a-cursor`,
      `${url}?cursor=`,
      `${url}?cursor=${encodeCursor({ c: 'five', j: 'j-a' })}`,
      `${url}?cursor=${encodeCursor({ at: '2027-05-02', id: 'x' })}`,
      `${url}?limit=0`,
      `${url}?limit=1001`,
      `${url}?limit=two`,
      `${url}?limit=2.5`,
    ];
    for (const u of bad) {
      const res = await app.call('GET', u);
      expect(res.status, u).toBe(400);
      // a cursor that does not decode is refused by the shared codec as invalid_cursor (issue 11)
      expect(res.body.error.code, u).toBe(/cursor=[^&]/.test(u) ? 'invalid_cursor' : 'invalid_request');
    }
    // nothing changed: the same first page and the same day totals
    expect((await app.call('GET', `${url}?limit=3`)).body).toEqual(first.body);
    const statement = await app.call('GET', `/v1/orgs/${org}/statements/current`);
    expect(statement.body.days.find((d: { date: string }) => d.date === '2027-05-02')).toMatchObject({ credits_used: '33' });
  });
});
