import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/**
 * Issue 17: every route documents its error responses (the envelope and the codes it can return),
 * and real refusals carry a code the document lists for that route and status.
 */
type Doc = { paths: Record<string, Record<string, { responses: Record<string, any> }>>; components: { schemas: Record<string, unknown> } }; // eslint-disable-line @typescript-eslint/no-explicit-any

function documented(doc: Doc, path: string, method: string, status: number): string[] {
  const response = doc.paths[path]?.[method]?.responses[String(status)];
  if (!response) return [];
  return response.content['application/json'].schema.allOf[1].properties.error.properties.code.enum as string[];
}

describe.each(testDatabases)('OpenAPI error responses on $name', (target) => {
  let app: TestApp;
  let doc: Doc;
  let org: string;

  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app);
    doc = (await app.call('GET', '/v1/openapi.json')).body as Doc;
  });
  afterAll(() => app.close());

  it('every operation documents 4xx responses with the error envelope', () => {
    expect(doc.components.schemas.Error).toBeDefined();
    let operations = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        operations++;
        const errors = Object.keys(op.responses).filter((s) => Number(s) >= 400);
        expect(errors.length, `${method.toUpperCase()} ${path}`).toBeGreaterThan(0);
        for (const s of errors) {
          expect(op.responses[s].content['application/json'].schema.allOf[0]).toEqual({ $ref: '#/components/schemas/Error' });
        }
      }
    }
    expect(operations).toBeGreaterThan(60);
    expect(documented(doc, '/v1/orgs/{org}/grants', 'get', 401)).toEqual(['unauthorized']);
    expect(documented(doc, '/v1/orgs/{org}/grants', 'get', 404)).toEqual(['organization_not_found']);
    expect(documented(doc, '/v1/auth/login', 'post', 401)).toEqual(['invalid_credentials']);
    // CloudEvents are documented as two more request media types of POST /v1/events
    const content = (doc.paths['/v1/events']!.post as unknown as { requestBody: { content: Record<string, unknown> } }).requestBody.content;
    expect(Object.keys(content).sort()).toEqual(['application/cloudevents+json', 'application/cloudevents-batch+json', 'application/json']);
  });

  it('real refusals carry a code the document lists for that route and status', async () => {
    const grant = (await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'g', source: 'included', amount: '10' })).body.id as string;
    await app.call('POST', `/v1/orgs/${org}/grants/${grant}/void`, {});
    const cases: { path: string; method: 'GET' | 'POST' | 'PUT'; url: string; body?: unknown; headers?: Record<string, string> }[] = [
      { path: '/v1/orgs/{org}/balance', method: 'GET', url: `/v1/orgs/${org}/balance`, headers: { authorization: 'Bearer nope' } },
      { path: '/v1/orgs/{org}/balance', method: 'GET', url: '/v1/orgs/no-such-org/balance' },
      { path: '/v1/orgs/{org}/grants/{grant}', method: 'GET', url: `/v1/orgs/${org}/grants/missing` },
      { path: '/v1/orgs/{org}/grants/{grant}/void', method: 'POST', url: `/v1/orgs/${org}/grants/${grant}/void`, body: {} },
      { path: '/v1/orgs/{org}/grants', method: 'POST', url: `/v1/orgs/${org}/grants`, body: { name: 'g', source: 'included', amount: '1.1234567' } },
      { path: '/v1/orgs/{org}/grants', method: 'POST', url: `/v1/orgs/${org}/grants`, body: '{oops' },
      { path: '/v1/events', method: 'POST', url: '/v1/events', body: { events: [{ id: 'x', org, meter: 'nope', quantity: '1', timestamp: '2026-03-10T11:00:00Z' }] } },
      { path: '/v1/events', method: 'POST', url: '/v1/events', body: { events: [{ id: 'x', org, meter: 'tokens', quantity: '1', timestamp: '2030-03-10T11:00:00Z' }] } },
      { path: '/v1/compat/stripe/meter_events', method: 'POST', url: '/v1/compat/stripe/meter_events', body: { event_name: 'tokens', payload: { value: '1' } } },
      { path: '/v1/orgs/{org}/holds/{hold}/capture', method: 'POST', url: `/v1/orgs/${org}/holds/nope/capture`, body: { amount: '1' } },
      { path: '/v1/orgs/{org}/requests/{id}/approve', method: 'POST', url: `/v1/orgs/${org}/requests/nope/approve`, body: {} },
      { path: '/v1/auth/login', method: 'POST', url: '/v1/auth/login', body: { email: 'no@x.test', password: 'wrong password' }, headers: { authorization: '' } },
      // a list route documents the cursor refusal its contract's paginator answers (issue 18)
      { path: '/v1/orgs/{org}/grants', method: 'GET', url: `/v1/orgs/${org}/grants?cursor=grt_plain_old_style` },
      { path: '/v1/orgs/{org}/invoices', method: 'GET', url: `/v1/orgs/${org}/invoices?cursor=2026-01` },
      { path: '/v1/orgs/{org}/customer-aliases', method: 'PUT', url: `/v1/orgs/${org}/customer-aliases`, body: { aliases: ['a/b'] } },
    ];
    for (const c of cases) {
      const res = await app.call(c.method, c.url, c.body, c.headers);
      expect(res.status, `${c.method} ${c.url}: ${res.text}`).toBeGreaterThanOrEqual(400);
      expect(documented(doc, c.path, c.method.toLowerCase(), res.status), `${c.method} ${c.path} → ${res.status} ${res.body.error.code}`).toContain(res.body.error.code);
    }
  });
});
