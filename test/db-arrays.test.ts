import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayLiteral } from '../src/db/arrays.js';
import type { Database } from '../src/db/client.js';
import { mapRows, text } from '../src/db/rows.js';
import { testDatabases } from './helpers/db.js';

/**
 * Array parameters as literals written by Tally (src/db/arrays.ts): the same
 * text pg writes, and every awkward element comes back from the database as
 * it went in (PostgreSQL, where the literals are used, and PGlite, which
 * converts arrays itself).
 */
/** pg's own conversion of a value (on its module at run time, not in its types) */
const pgPrepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;

const awkward = ['', 'plain', 'with space', 'a,b', '{braces}', 'quote"inside', 'back\\slash', '\\"both', 'NULL', 'null', ' lead', 'trail ', 'ünïcödé ✓', '日本', '😀', 'new\nline', "it's"];

describe('arrayLiteral', () => {
  it('writes what pg writes for strings, numbers, bigints, booleans and nulls', () => {
    const cases: unknown[][] = [[], awkward, [1, 2.5, -3], [12345678901234567890n, -1n], [true, false], [null, 'x', undefined, null]];
    for (const values of cases) expect(arrayLiteral(values)).toBe(pgPrepareValue(values));
  });

  it('leaves an array of anything else to pg', () => {
    expect(arrayLiteral([new Date(0)])).toBeUndefined();
    expect(arrayLiteral([['nested']])).toBeUndefined();
    expect(arrayLiteral([Buffer.from('x')])).toBeUndefined();
  });
});

describe.each(testDatabases)('array parameters on $name', (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => db.close());

  it('come back element for element, nulls and all', async () => {
    const values = [...awkward, null];
    const back = await db.read((q) =>
      mapRows(q, sql`select u.v, u.n from unnest(${sql.param(values)}::text[]) with ordinality as u(v, n) order by u.n`, (r) => (r.v === null ? null : text(r.v))),
    );
    expect(back).toEqual(values);
  });

  it('bigints and timestamps as the set-based writes send them', async () => {
    const amounts = ['0', '-1', '9223372036854775807'];
    const times = ['2026-12-03T08:00:00.000Z', '1970-01-01T00:00:00.001Z', '9999-12-31T23:59:59.999Z'];
    const back = await db.read((q) =>
      mapRows(
        q,
        sql`select (a::text) as a, to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as t
            from unnest(${sql.param(amounts)}::bigint[], ${sql.param(times)}::timestamptz[]) with ordinality as u(a, t, n) order by u.n`,
        (r) => [text(r.a), text(r.t)],
      ),
    );
    expect(back).toEqual(amounts.map((a, i) => [a, times[i]]));
  });
});
