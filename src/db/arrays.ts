import pg from 'pg';
import { interceptQueries } from './intercept.js';

/**
 * Array parameters written as PostgreSQL array literals here, not by pg
 * (issue 10). The set-based writes send their rows as one array per column
 * (`unnest($1::text[], $2::bigint[], …)`): a batch of 1,000 events is about
 * fifty arrays of a thousand elements. pg converts each element through its
 * generic value conversion and two regular-expression replaces (13% of the
 * server's profile samples in bench:ingest); this writes the same literal
 * (every element quoted, `\` and `"` escaped only where present) for about
 * 0.1 µs less per element, ~4.5 µs per batch event (docs/performance.md, part 9).
 * An array holding anything else (a Date, a Buffer, a nested array) goes to pg
 * as it is. PGlite converts arrays itself and is not concerned.
 */
export function arrayLiteral(values: readonly unknown[]): string | undefined {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'string') out += quoted(v);
    else if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') out += `"${String(v)}"`;
    else return undefined;
  }
  return `${out}}`;
}

const quoted = (s: string): string =>
  s.includes('"') || s.includes('\\') ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${s}"`;

/** Makes a pool's connections send array parameters as literals written by arrayLiteral; call once, right after creating the pool. */
export function writeArrayLiterals(pool: pg.Pool): void {
  interceptQueries(pool, (query) => (...args) => {
    // drizzle passes the values apart from the statement: query(config, values)
    const values = args[1];
    if (Array.isArray(values) && values.some(Array.isArray)) args[1] = values.map(literalOrSelf);
    return query(...args);
  });
}

const literalOrSelf = (v: unknown): unknown => (Array.isArray(v) ? (arrayLiteral(v) ?? v) : v);
