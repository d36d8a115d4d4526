import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows } from '../../db/client.js';
import { correctedEventView, correctionsOf } from '../corrections/index.js';
import { eventConditions, type EventFilter } from './filter.js';
import { EVENT_COLUMNS, type EventRow } from './view.js';

/** Reads of recorded events: the list, with their corrections. Ingest is service.ts; the filters the export shares, filter.ts. */

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

