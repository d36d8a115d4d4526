import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, seedOrg, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

describe.each(testDatabases)('smoke on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target);
  });
  afterAll(() => app.close());

  it('grants, ingests and reports a balance', async () => {
    const org = await seedOrg(app);
    const g = await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '100' });
    expect(g.status).toBe(201);
    const ev = await app.call('POST', '/v1/events', {
      events: [{ id: 'a1', org, meter: 'tokens', quantity: '12.5', timestamp: '2026-03-10T11:00:00Z' }],
    });
    expect(ev.status).toBe(200);
    expect(ev.body.results[0]).toMatchObject({ status: 'accepted', cost_credits: '12.5' });
    const bal = await app.call('GET', `/v1/orgs/${org}/balance`);
    expect(bal.body.available).toBe('87.5');
  });
});
