import type { SQL } from 'drizzle-orm';
import type { Q } from './client.js';

/**
 * One row of a raw SQL result before its mapper gives it a type. The drivers
 * differ on what a column comes back as (a timestamp is a Date on PGlite and
 * may be text through drizzle on node-postgres; int8 is a bigint on both; a
 * row parsed from JSON has strings and numbers), so each module's queries.ts
 * turns its rows into typed rows with one mapper per row type, built from the
 * readers below, and no service converts a database value itself.
 */
export type DbRow = Record<string, unknown>;

/** Runs raw SQL and maps each row with `map`. */
export async function mapRows<T>(q: Q, query: SQL, map: (row: DbRow) => T): Promise<T[]> {
  const result = (await q.execute(query)) as unknown as { rows: DbRow[] };
  return result.rows.map(map);
}

/** The first row of raw SQL, mapped, or undefined when there is none. */
export async function mapFirst<T>(q: Q, query: SQL, map: (row: DbRow) => T): Promise<T | undefined> {
  return (await mapRows(q, query, map))[0];
}

function unexpected(kind: string, value: unknown): TypeError {
  return new TypeError(`expected ${kind} from the database, got ${typeof value} ${String(value)}`);
}

export function text(value: unknown): string {
  if (typeof value !== 'string') throw unexpected('text', value);
  return value;
}

export function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : text(value);
}

/** int8 and numeric columns (bigint, or text and numbers when read from JSON) as micro-credits or counters. */
export function big(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' || typeof value === 'number') return BigInt(value);
  throw unexpected('an integer', value);
}

export function bigOrNull(value: unknown): bigint | null {
  return value === null || value === undefined ? null : big(value);
}

/** A small integer (int4, or a count cast to bigint) as a number. */
export function int(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' || typeof value === 'string') return Number(value);
  throw unexpected('an integer', value);
}

export function intOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : int(value);
}

export function bool(value: unknown): boolean {
  if (typeof value !== 'boolean') throw unexpected('a boolean', value);
  return value;
}

export function boolOrNull(value: unknown): boolean | null {
  return value === null || value === undefined ? null : bool(value);
}

export function date(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') return new Date(value);
  throw unexpected('a timestamp', value);
}

export function dateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : date(value);
}

/** A text column whose check constraint keeps it to T's values. */
export function textOf<T extends string>(value: unknown): T {
  return text(value) as T;
}

/** A jsonb column: the shape is the one its writer stored (validated on the way in). */
export function json<T>(value: unknown): T {
  return value as T;
}
