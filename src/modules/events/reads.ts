/** Reads of recorded events: the list (with their corrections) and the export's pages. Ingest is service.ts. */
import { can, type Actor } from '../../actor.js';
import type { AppContext } from '../../context.js';
import { TallyError } from '../../errors.js';
import { scopedUsers } from '../allocations/index.js';
import {correctedEventView, correctionsOf} from '../corrections/index.js';
import { findEventsPage, type EventFilter } from './queries.js';

export { findEventsForExport, type EventFilter } from './queries.js';

/** Newest first; the cursor is the last row's (timestamp, id). */
export async function listEvents(args: {
  ctx: AppContext;
  actor: Actor;
  orgId: string;
  filter: Omit<EventFilter, 'users'>;
  after: { t: string; id: string } | undefined;
  limit: number;
}) {
  const { ctx, actor, orgId, after, limit } = args;
  const user = visibleUser(actor, args.filter.user);
  const filter: EventFilter = { ...args.filter, user, users: await scopedUsers(ctx, actor, orgId, user) };
  const { found, history } = await ctx.db.read(async (q) => {
    const found = await findEventsPage(q, orgId, filter, after, limit + 1);
    // the page's corrections in one read (none for most events)
    return { found, history: await correctionsOf(q, orgId, found.slice(0, limit).map((e) => e.id)) };
  });
  const data = found.slice(0, limit).map((e) => correctedEventView(e, history.get(e.id) ?? []));
  const last = data[data.length - 1];
  return { data, next: found.length > limit && last ? { t: last.timestamp, id: last.id } : null };
}


/**
 * Roles with events.read see every event of the organization (optionally filtered by user; a manager's
 * within their groups); a member sees only their own: no user given means themselves, naming anyone else
 * is refused.
 */
function visibleUser(actor: Actor, user: string | undefined): string | undefined {
  if (can(actor, 'events.read')) return user;
  const own = actor.kind === 'key' ? actor.memberId : null;
  if (own === null) throw new TallyError('forbidden', 'This key is not bound to a member, so it may not list usage events.');
  if (user !== undefined && user !== own) throw new TallyError('forbidden', 'Members may list only their own usage events; leave out "user" or give your own member id.');
  return own;
}
