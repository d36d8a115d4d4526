import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TallyApiError, TallyClient } from '../src/client/index.js';
import { GENERATED, generateClientTypes, liveDocument } from '../src/client/generate.js';
import { PLATFORM_KEY, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/** Issue 17: the typed client is generated from the live OpenAPI document and checked in. */
describe('generated client', () => {
  it('the committed src/client/openapi.ts is what `npm run generate:client` writes from the live document', async () => {
    const committed = readFileSync(GENERATED, 'utf8');
    const live = await generateClientTypes(await liveDocument());
    // On a difference: run `npm run generate:client` and commit src/client/openapi.ts.
    expect(committed === live, 'src/client/openapi.ts is stale: run `npm run generate:client`').toBe(true);
  });
});

describe.each(testDatabases)('TallyClient over openapi-fetch on $name', (target) => {
  let app: TestApp;
  let client: TallyClient;
  let org: string;

  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app);
    client = new TallyClient({ baseUrl: await app.server.listen({ host: '127.0.0.1', port: 0 }), key: PLATFORM_KEY });
  });
  afterAll(() => app.close());

  it('checks, holds and captures around a job; the balance shows what was captured', async () => {
    await client.createGrant(org, { name: 'Plan', source: 'included', amount: '100' });
    await client.updateGroup(org, 'grp_default', { monthly_allocation: '80' });
    await client.addMember(org, { id: 'dev1', email: 'dev1@acme.test', name: 'Dev One', role: 'member', monthly: '40' });
    expect((await client.check(org, { member: 'dev1', amount: '50' })).allowed).toBe(false);
    const check = await client.check(org, { member: 'dev1', amount: '30' });
    expect(check.allowed).toBe(true);
    const hold = await client.hold(org, { member: 'dev1', amount: '30', job_id: 'job-1' });
    expect((await client.balance(org)).held).toBe('30');
    await client.capture(org, hold.id, { amount: '12.5' });
    const balance = await client.balance(org);
    expect(balance.held).toBe('0');
    expect(balance.available).toBe('87.5');
  });

  it('lists with left-out query values, and turns the error envelope into a TallyApiError', async () => {
    const page = await client.grants(org, { status: 'all', cursor: undefined });
    expect(page.data.map((g) => g.name)).toContain('Plan');
    const error = await client.grant(org, 'missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TallyApiError);
    expect((error as TallyApiError).status).toBe(404);
    expect((error as TallyApiError).code).toBe('grant_not_found');
  });
});
