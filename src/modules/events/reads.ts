/** Reads of recorded events: the list (with their corrections) and the export's pages. Ingest is service.ts. */
import type { AppContext } from '../../context.js';
import {correctedEventView, correctionsOf} from '../corrections/index.js';
import { findEventsPage, type EventFilter } from './queries.js';

export { findEventsForExport, type EventFilter } from './queries.js';

/** Newest first; the cursor is the last row's (timestamp, id). */
export async function listEvents(args: {
  ctx: AppContext;
  orgId: string;
  filter: EventFilter;
  after: { t: string; id: string } | undefined;
  limit: number;
}) {
  const { ctx, orgId, filter, after, limit } = args;
  const { found, history } = await ctx.db.read(async (q) => {
    const found = await findEventsPage(q, orgId, filter, after, limit + 1);
    // the page's corrections in one read (none for most events)
    return { found, history: await correctionsOf(q, orgId, found.slice(0, limit).map((e) => e.id)) };
  });
  const data = found.slice(0, limit).map((e) => correctedEventView(e, history.get(e.id) ?? []));
  const last = data[data.length - 1];
  return { data, next: found.length > limit && last ? { t: last.timestamp, id: last.id } : null };
}

