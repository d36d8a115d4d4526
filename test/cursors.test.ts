import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TallyError } from '../src/http/errors.js';
import { byId, paginator } from '../src/http/paging.js';
import { CursorId, CursorInstant } from '../src/http/schemas.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/**
 * Issue 18: one cursor format for every list route — base64url JSON of the last row's sort key,
 * validated against the route's key shape — and one paginator (src/http/paging.ts).
 */
const refusal = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (error) {
    return error instanceof TallyError ? error.code : 'not a TallyError';
  }
};
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the cursor format', () => {
  const byEvent = paginator(z.object({ t: CursorInstant, id: CursorId }));

  it.each([
    ['an id', byId, 'grt_01HZX'],
    ['an id with the characters of composite keys', byId, 'out_1:0003'],
    ['a (timestamp, id) pair', byEvent, { t: '2026-03-10T12:00:00.000Z', id: 'ev-1' }],
  ] as const)('round-trips %s', (_name, pager, key) => {
    const cursor = (pager as typeof byEvent).page([1], key as never).next_cursor!;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect((pager as typeof byEvent).read(cursor)).toEqual(key);
  });

  it('the last page has no cursor, and no cursor starts at the beginning', () => {
    expect(byId.page([], null)).toEqual({ data: [], next_cursor: null });
    expect(byId.page([], undefined).next_cursor).toBeNull();
    expect(byId.read(undefined)).toBeUndefined();
  });

  it.each([
    ['an empty cursor', byId, '', 'invalid_request'],
    ['a plain id (the format before issue 18)', byId, 'grt_01HZX', 'invalid_cursor'],
    ['a tampered cursor', byId, `${b64('grt_1').slice(0, -2)}xx`, 'invalid_cursor'],
    ['another route’s key shape', byId, b64({ t: '2026-03-10T12:00:00Z', id: 'x' }), 'invalid_cursor'],
    ['an instant out of range', byEvent, b64({ t: '0001-01-01T00:00:00Z', id: 'x' }), 'invalid_cursor'],
    ['text PostgreSQL cannot store', byId, b64('a\u0000b'), 'invalid_cursor'],
    ['padding characters', byId, `${b64('grt_1')}=`, 'invalid_cursor'],
  ] as const)('refuses %s', (_name, pager, cursor, code) => {
    expect(refusal(() => (pager as typeof byId).read(cursor))).toBe(code);
  });
});

describe.each(testDatabases)('paging over HTTP on $name', (target) => {
  let app: TestApp;
  let org: string;

  beforeAll(async () => {
    app = await startTestApp(target);
    org = await seedOrg(app);
    for (let i = 0; i < 5; i++) await app.call('POST', `/v1/orgs/${org}/grants`, { name: `g${i}`, source: 'included', amount: '10' });
  });
  afterAll(() => app.close());

  it('every route that takes a cursor is a paginated contract and documents invalid_cursor', async () => {
    const doc = (await app.call('GET', '/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, { content: Record<string, { schema: { allOf: { properties?: { error: { properties: { code: { enum: string[] } } } } }[] } }> }> }>>;
    };
    const paged = app.server.routeContracts.filter((c) => c.paginated).map((c) => `${c.method} ${c.path}`).sort();
    const withCursor = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.entries(ops).filter(([, op]) => op.parameters?.some((p) => p.in === 'query' && p.name === 'cursor')).map(([m]) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(withCursor).toEqual(paged);
    expect(paged.length).toBeGreaterThanOrEqual(14);
    for (const key of paged) {
      const [method, path] = key.split(' ') as [string, string];
      const codes = doc.paths[path]![method.toLowerCase()]!.responses['400']!.content['application/json']!.schema.allOf[1]!.properties!.error.properties.code.enum;
      expect(codes, key).toContain('invalid_cursor');
    }
  });

  it('pages a list one row at a time, each row exactly once, with cursors of the one format', async () => {
    const all = (await app.call('GET', `/v1/orgs/${org}/grants?limit=100`)).body.data.map((g: { id: string }) => g.id) as string[];
    expect(all).toHaveLength(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await app.call('GET', `/v1/orgs/${org}/grants?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, res.text).toBe(200);
      seen.push(...res.body.data.map((g: { id: string }) => g.id));
      cursor = res.body.next_cursor;
      if (cursor) expect(byId.read(cursor)).toBe(seen[seen.length - 1]);
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it('a tampered or old-style cursor is a 400 with a machine code and a sentence on every list route', async () => {
    const first = await app.call('GET', `/v1/orgs/${org}/grants?limit=1`);
    const tampered = `${(first.body.next_cursor as string).slice(0, -3)}AAA`;
    const urlOf = (path: string) =>
      path.replace('{org}', org).replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'period' ? '2026-02' : name === 'date' ? '2026-02-01' : `${name}_x1`));
    for (const c of app.server.routeContracts.filter((r) => r.paginated)) {
      for (const cursor of [tampered, 'grt_01HZX', b64({ no: 'such shape' })]) {
        const res = await app.call('GET', `${urlOf(c.path)}?cursor=${cursor}`);
        expect(res.status, `${c.path} ${cursor}: ${res.text}`).toBe(400);
        expect(res.body.error.code).toBe('invalid_cursor');
        expect(res.body.error.message).toMatch(/pass next_cursor from the previous page unchanged/);
      }
    }
  });
});
