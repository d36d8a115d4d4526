import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/** Error messages name amounts as a person reads them: grouped, exact ("2,500.5", not "2500.5"). */
describe.each(testDatabases)('amounts in error messages on $name', (target) => {
  let app: TestApp;
  let org: string;
  const base = () => `/v1/orgs/${org}`;

  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
    org = await seedOrg(app);
    await app.call('POST', `${base()}/grants`, { name: 'Plan', source: 'included', amount: '100000' });
    await app.call('PATCH', `${base()}/groups/grp_default`, { monthly_allocation: '50000' });
    const res = await app.call('POST', `${base()}/members`, { id: 'ivy', email: 'ivy@x.test', name: 'Ivy', role: 'member', monthly: '20000' });
    expect(res.status).toBe(201);
  });
  afterAll(() => app.close());

  it('a capture above its hold names both amounts grouped', async () => {
    const hold = await app.call('POST', `${base()}/holds`, { member: 'ivy', amount: '2000' });
    expect(hold.status).toBe(201);
    const over = await app.call('POST', `${base()}/holds/${hold.body.id}/capture`, { amount: '2500.5' });
    expect(over.status).toBe(422);
    expect(over.body.error.message).toBe(`2,500.5 credits exceed what hold "${hold.body.id}" allows (2,000).`);
  });

  it('a hold above the member’s allocation names the amount grouped', async () => {
    const refused = await app.call('POST', `${base()}/holds`, { member: 'ivy', amount: '25000' });
    expect(refused.body.error.message).toBe("The hold is refused: 25,000 credits exceed the member's remaining allocation for this cycle.");
  });
});
