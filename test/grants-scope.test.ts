import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/** Grants that apply only to some usage (SPEC §3.16): stored, validated and returned. */
describe.each(testDatabases)('grant applies_to on $name', (target) => {
  let app: TestApp;
  let org: string;
  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app);
  });
  afterAll(() => app.close());

  it('stores a scope in one form and returns it from create, read and list', async () => {
    const res = await app.call('POST', `/v1/orgs/${org}/grants`, {
      name: 'Promo', source: 'promotional', amount: '50', applies_to: { categories: ['agent_chat'], meters: ['runs', 'gpu', 'runs'] },
    });
    expect(res.status).toBe(201);
    expect(res.body.applies_to).toEqual({ meters: ['gpu', 'runs'], categories: ['agent_chat'] });
    expect((await app.call('GET', `/v1/orgs/${org}/grants/${res.body.id}`)).body.applies_to).toEqual({ meters: ['gpu', 'runs'], categories: ['agent_chat'] });
    const plain = await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan', source: 'included', amount: '10', applies_to: { meters: [] } });
    expect(plain.body.applies_to).toBeNull();
    const list = (await app.call('GET', `/v1/orgs/${org}/grants`)).body.data as { id: string; applies_to: unknown }[];
    expect(list.map((g) => [g.id, g.applies_to])).toEqual([
      [plain.body.id, null],
      [res.body.id, { meters: ['gpu', 'runs'], categories: ['agent_chat'] }],
    ]);
  });

  it('refuses unknown meters and categories and creates nothing', async () => {
    const before = (await app.call('GET', `/v1/orgs/${org}/grants`)).body.data.length as number;
    const meter = await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'X', source: 'promotional', amount: '5', applies_to: { meters: ['nope'] } });
    expect([meter.status, meter.body.error.code]).toEqual([422, 'unknown_meter']);
    expect(meter.body.error.message).toContain('"nope"');
    const category = await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'X', source: 'promotional', amount: '5', applies_to: { categories: ['inference'] } });
    expect([category.status, category.body.error.code]).toEqual([400, 'invalid_request']);
    const extra = await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'X', source: 'promotional', amount: '5', applies_to: { projects: ['a'] } });
    expect(extra.status).toBe(400);
    expect((await app.call('GET', `/v1/orgs/${org}/grants`)).body.data.length).toBe(before);
  });
});
