import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/**
 * Issue 10 / issue 12 item 8: "available" and "held" have one definition.
 * GET /balance, the alerts view, `check` (balance limit), plan limits and the
 * member's figures answer the same numbers, also while a hold is past its
 * expiry but not yet released by the job.
 */
describe.each(testDatabases)('one definition of available and held on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
  });
  afterAll(() => app.close());

  it('every path answers the same figure, an expired unreleased hold counting nowhere', async () => {
    const org = await seedOrg(app);
    const base = `/v1/orgs/${org}`;
    expect((await app.call('POST', `${base}/grants`, { name: 'Plan', source: 'included', amount: '1000' })).status).toBe(201);
    expect((await app.call('PATCH', `${base}/groups/grp_default`, { monthly_allocation: '5000' })).status).toBe(200);
    const m = await app.call('POST', `${base}/members`, { id: 'ivy', email: 'ivy@x.test', name: 'Ivy', role: 'member', monthly: null });
    expect(m.status).toBe(201);
    const lapsing = await app.call('POST', `${base}/holds`, { member: 'ivy', amount: '100', expires_at: '2026-03-10T13:00:00Z' });
    expect(lapsing.status).toBe(201);
    expect((await app.call('POST', `${base}/holds`, { member: 'ivy', amount: '50' })).status).toBe(201);
    const ts = app.clock.now().toISOString();
    const ev = await app.call('POST', '/v1/events', { events: [{ id: 'ah-1', org, meter: 'tokens', quantity: '30', timestamp: ts, user: 'ivy' }] });
    expect(ev.body.accepted).toBe(1);

    app.clock.advance(2 * 3600_000); // the 100-credit hold is past its expiry; no job has released it
    const balance = (await app.call('GET', `${base}/balance`)).body;
    expect(balance).toMatchObject({ available: '920', held: '50' });
    expect((await app.call('GET', `${base}/alerts`)).body.available).toBe('920');
    expect((await app.call('GET', `${base}/members/ivy`)).body).toMatchObject({ used: '30', held: '50' });

    // check: exactly the available balance is admitted, a micro-credit more is not
    const fits = await app.call('POST', `${base}/check`, { member: 'ivy', amount: '920' });
    expect(fits.body).toMatchObject({ allowed: true, remaining: { balance: '920' } });
    const over = await app.call('POST', `${base}/check`, { member: 'ivy', amount: '920.000001' });
    expect(over.body).toMatchObject({ allowed: false, limited_by: 'balance', remaining: { balance: '920' } });

    // plan limit: consumed 30 + held 50 of 280 leaves exactly 200 (the lapsed 100 is not held)
    expect((await app.call('PUT', `${base}/plan`, { name: 'Team', limits: { credits_per_period: '280' }, allowances: {} })).status).toBe(200);
    expect((await app.call('POST', `${base}/check`, { member: 'ivy', amount: '200' })).body).toMatchObject({ allowed: true });
    const planOver = await app.call('POST', `${base}/check`, { member: 'ivy', amount: '200.000001' });
    expect(planOver.body).toMatchObject({ allowed: false, limited_by: 'plan' });
    expect(planOver.body.message).toContain('leaves 200 credits');

    // the hold path decides on the same figure: a hold of exactly 200 is taken, then nothing more
    expect((await app.call('POST', `${base}/holds`, { member: 'ivy', amount: '200' })).status).toBe(201);
    const refused = await app.call('POST', `${base}/holds`, { member: 'ivy', amount: '0.000001' });
    expect(refused.status).toBe(422);
    expect((await app.call('GET', `${base}/balance`)).body).toMatchObject({ available: '720', held: '250' });
  });
});
