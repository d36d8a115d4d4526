import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows } from '../../db/client.js';
import { correctedEventView, correctionsOf } from '../corrections/service.js';
import { EVENT_COLUMNS, type EventRow } from './view.js';

/** Reads of recorded events: the list (with their corrections) and the filters the export shares. Ingest is service.ts. */

export interface EventFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  meter?: string | undefined;
  user?: string | undefined;
  /** only these users' events (a manager's scope) */
  users?: string[] | undefined;
  project?: string | undefined;
}

/** Filters of the events list and export, as one SQL condition. */
export function eventConditions(orgId: string, f: EventFilter) {
  return sql.join(
    [
      sql`org_id = ${orgId}`,
      f.from && sql`timestamp >= ${f.from.toISOString()}::timestamptz`,
      f.to && sql`timestamp < ${f.to.toISOString()}::timestamptz`,
      f.meter && sql`meter = ${f.meter}`,
      f.user && sql`user_id = ${f.user}`,
      f.users && sql`user_id = any(${sql.param(f.users)}::text[])`,
      f.project && sql`project = ${f.project}`,
    ].filter((c) => c !== undefined && c !== ''),
    sql` and `,
  );
}

/** Newest first; the cursor is the last row's (timestamp, id). */
export async function listEvents(args: {
  ctx: AppContext;
  orgId: string;
  filter: EventFilter;
  after: { t: string; id: string } | undefined;
  limit: number;
}) {
  const { ctx, orgId, filter, after, limit } = args;
  const cursor = after ? sql`and (timestamp, id) < (${after.t}::timestamptz, ${after.id})` : sql``;
  const { found, history } = await ctx.db.read(async (q) => {
    const found = await rows<EventRow & { status: 'active' | 'voided' | 'amended'; apiKeyId: string | null }>(
      q,
      sql`select ${EVENT_COLUMNS}, status, api_key_id as "apiKeyId" from events where ${eventConditions(orgId, filter)} ${cursor}
          order by timestamp desc, id desc limit ${limit + 1}`,
    );
    // the page's corrections in one read (none for most events)
    return { found, history: await correctionsOf(q, orgId, found.slice(0, limit).map((e) => e.id)) };
  });
  const data = found.slice(0, limit).map((e) => correctedEventView(e, history.get(e.id) ?? []));
  const last = data[data.length - 1];
  return { data, next: found.length > limit && last ? { t: last.timestamp, id: last.id } : null };
}

