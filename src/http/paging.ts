import { z } from 'zod';
import { TallyError } from './errors.js';
import { Cursor, CursorId, decodeCursor, encodeCursor, Limit } from './schemas.js';

/**
 * Paging, one way for every list route: a `limit`, and a `cursor` that is the `next_cursor` of the
 * previous page. A route declares its sort key's shape once (`paginator(shape)`) and hands it to
 * defineRoute as `paginate`; the route's service receives the decoded key and returns the next one.
 */

/** limit and cursor of every list route; extend it with the route's filters. */
export const PageQuery = z.object({ limit: Limit, cursor: Cursor });

/** Whether a querystring schema takes a cursor, and then whether it is PageQuery's (a route may not bring its own). */
export function isPageQuery(querystring: unknown): boolean {
  const shape = (querystring as { shape?: Record<string, unknown> } | undefined)?.shape;
  if (shape?.cursor === undefined) return false;
  if (shape.cursor !== PageQuery.shape.cursor || shape.limit !== PageQuery.shape.limit) {
    throw new Error('a querystring with a cursor extends PageQuery (src/http/paging.ts)');
  }
  return true;
}

/**
 * The one cursor format: base64url JSON of the last row's sort key, validated against the route's key
 * shape (never signed: decisions.md, issue 11). `read` gives the service its key, `page` builds the
 * answer with the next cursor.
 */
export interface Paginator<K> {
  key: z.ZodType<K>;
  read(cursor: string | undefined): K | undefined;
  page<T>(data: T[], next: K | null | undefined): { data: T[]; next_cursor: string | null };
}

export function paginator<K>(key: z.ZodType<K>): Paginator<K> {
  return {
    key,
    read(cursor) {
      if (cursor === '') {
        throw new TallyError('invalid_request', 'The cursor is empty: pass next_cursor from the previous page unchanged, or leave it out to start.');
      }
      return decodeCursor(cursor, key);
    },
    page(data, next) {
      return { data, next_cursor: next === null || next === undefined ? null : encodeCursor(next) };
    },
  };
}

/** The most common key: the last row's id (ids sort by time). */
export const byId = paginator(CursorId);
