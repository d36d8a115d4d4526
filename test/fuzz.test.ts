import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allOrgIds, proveOrg } from '../src/modules/ledger/verify.js';
import { PLATFORM_KEY, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/**
 * Issue 11: requests generated from /v1/openapi.json with fast-check, against both databases.
 * Whatever arrives: no 5xx, every 4xx in the envelope, a bystander organization's ledger unchanged,
 * and the ledger proof (`tally verify`) passing for every organization afterwards. Run counts are
 * small so the suite stays near a minute in `npm test`; a failure prints the request to replay.
 * A longer hunt: `TALLY_FUZZ_RUNS=800 npx vitest run test/fuzz.test.ts` (~3 min on PGlite here); it is
 * how a request that looped until the heap ran out (usage series with a year-0 end) was found.
 */
const RUNS_PER_OPERATION = Number(process.env.TALLY_FUZZ_RUNS ?? 5);
if (!Number.isInteger(RUNS_PER_OPERATION) || RUNS_PER_OPERATION < 1) throw new Error('TALLY_FUZZ_RUNS must be a positive integer.');

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  maxLength?: number;
  additionalProperties?: Schema | boolean;
};
interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: 'path' | 'query' | 'header'; schema?: Schema }[];
  body: Schema | undefined;
}

/** Text meant to break things: NUL, lone surrogates, huge numbers, crafted cursors, out-of-range dates. */
const nasty = fc.constantFrom(
  '',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '99999999999999999999',
  '-99999999999999999999',
  '1e400',
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  Buffer.from('{"t":"x","id":"y"}').toString('base64url'),
  '%00',
  "' or 1=1 --",
  'x'.repeat(300),
  '-1',
  '1.0000001',
  'NaN',
);
const anyJson = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 20 }));

function arb(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return anyJson;
  const variants = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (variants?.length) return fc.oneof(...variants.map((s) => arb(s, depth + 1)));
  if (schema.enum?.length) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...schema.enum) }, { weight: 1, arbitrary: nasty });
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  const sane: fc.Arbitrary<unknown> = (() => {
    switch (type) {
      case 'string':
        return fc.oneof(fc.string({ maxLength: Math.min(schema.maxLength ?? 30, 30) }), fc.constantFrom('12.5', '1', '2026-03-10T12:00:00Z', '2026-03', 'tokens', 'UTC'));
      case 'integer':
      case 'number':
        return fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.constant(1e21), fc.double());
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(arb(schema.items, depth + 1), { maxLength: 3 });
      case 'object': {
        const props = Object.entries(schema.properties ?? {});
        if (props.length === 0) return fc.dictionary(fc.string({ maxLength: 5 }), anyJson, { maxKeys: 2 });
        const required = new Set(schema.required ?? []);
        return fc.record(
          Object.fromEntries(props.map(([k, s]) => [k, arb(s, depth + 1)])),
          { requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)) },
        );
      }
      default:
        return anyJson;
    }
  })();
  return fc.oneof({ weight: 5, arbitrary: sane }, { weight: 1, arbitrary: nasty });
}

describe.each(testDatabases)('fuzz from the OpenAPI document on $name', (target) => {
  let app: TestApp;
  let org: string;
  let bystander: string;
  const operations: Operation[] = [];
  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app);
    bystander = await seedOrg(app, { name: 'Bystander' });
    for (const o of [org, bystander]) {
      await app.call('POST', `/v1/orgs/${o}/grants`, { name: 'g', source: 'included', amount: '500' });
      await app.call('POST', '/v1/events', { events: [{ id: `seed-${o}`, org: o, meter: 'tokens', quantity: '3', timestamp: app.clock.now().toISOString(), user: 'u1' }] });
    }
    const doc = (await app.call('GET', '/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { parameters?: Operation['parameters']; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        operations.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema });
      }
    }
  });
  afterAll(() => app.close());

  it('covers the whole document', () => {
    expect(operations.length).toBeGreaterThan(60);
  });

  it('no request makes a 5xx; every refusal is in the envelope; the ledger holds', async () => {
    const proofBefore = await app.db.read((q) => proveOrg(q, bystander));
    for (const op of operations) {
      const pathParams = op.parameters.filter((p) => p.in === 'path');
      const queryParams = op.parameters.filter((p) => p.in === 'query');
      const request = fc.record({
        path: fc.record(
          Object.fromEntries(
            pathParams.map((p) => [p.name, p.name === 'org' ? fc.oneof({ weight: 4, arbitrary: fc.constant(org) }, { weight: 1, arbitrary: nasty.map(String) }) : fc.oneof(arb(p.schema).map(String), nasty)]),
          ),
        ),
        query: fc.record(Object.fromEntries(queryParams.map((p) => [p.name, arb(p.schema).map(String)])), { requiredKeys: [] }),
        body: op.body ? arb(op.body) : fc.constant(undefined),
      });
      await fc.assert(
        fc.asyncProperty(request, async ({ path, query, body }) => {
          const url =
            op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodePart(String((path as Record<string, string>)[name] ?? 'x'))) +
            (Object.keys(query).length ? `?${new URLSearchParams(query as Record<string, string>).toString()}` : '');
          // events for the bystander would change its ledger legitimately: the fuzz aims at `org`
          const payload = op.path === '/v1/events' && body && typeof body === 'object' ? retarget(body, org) : body;
          const res = await app.server.inject({
            method: op.method as 'GET',
            url,
            headers: { authorization: `Bearer ${PLATFORM_KEY}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
          });
          const where = `${op.method} ${url} ${JSON.stringify(payload)?.slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
          expect(res.statusCode, where).toBeLessThan(500);
          if (res.statusCode >= 400) {
            const error = (JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown; request_id?: unknown } }).error;
            expect(typeof error?.code, where).toBe('string');
            expect(typeof error?.message, where).toBe('string');
            expect(String(error?.request_id), where).toMatch(/^req_/);
          }
        }),
        { numRuns: RUNS_PER_OPERATION },
      );
    }
    expect(await app.db.read((q) => proveOrg(q, bystander))).toEqual(proofBefore);
    for (const id of await app.db.read(allOrgIds)) {
      const proof = await app.db.read((q) => proveOrg(q, id));
      expect(proof.ok, `${id}: ${JSON.stringify(proof, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`).toBe(true);
    }
  }, 300_000 * Math.max(1, RUNS_PER_OPERATION / 5));
});

function retarget(body: object, org: string): unknown {
  const events = (body as { events?: unknown }).events;
  if (!Array.isArray(events)) return body;
  return { ...body, events: events.map((e: unknown) => (e && typeof e === 'object' && 'org' in e ? { ...e, org } : e)) };
}

/** A lone surrogate has no UTF-8 form: it travels as the bytes a careless client would send (CESU-8). */
function encodePart(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value.replace(/[\ud800-\udfff]/g, '%ED%A0%80').replace(/[^%A-Za-z0-9_.~-]/g, (c) => encodeURIComponent(c));
  }
}
