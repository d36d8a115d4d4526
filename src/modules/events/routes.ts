import { z } from 'zod';
import { authorize, can, type Actor } from '../../http/auth.js';
import { TallyError } from '../../http/errors.js';
import { metrics } from '../../http/metrics.js';
import { Cursor, decodeCursor, encodeCursor, Instant, Limit, NonNegativeAmount, OrgParams, page } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { ingestEvents, listEvents } from './service.js';

export const MAX_BATCH = 1000;

const Text = z.string().min(1).max(200);

export const EventIn = z.object({
  id: z.string().min(1).max(200),
  org: z.string().min(1).max(64),
  meter: Text,
  quantity: NonNegativeAmount,
  timestamp: Instant,
  user: Text.optional(),
  project: Text.optional(),
  resource_class: Text.optional(),
  job_id: Text.optional(),
  job_name: Text.optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});

const ResultOut = z.object({
  id: z.string(),
  status: z.enum(['accepted', 'duplicate', 'rejected']),
  cost_credits: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const EventOut = z.object({
  id: z.string(),
  meter: z.string(),
  quantity: z.string(),
  timestamp: z.string(),
  recorded_at: z.string(),
  user: z.string().nullable(),
  project: z.string().nullable(),
  resource_class: z.string().nullable(),
  job_id: z.string().nullable(),
  job_name: z.string().nullable(),
  properties: z.record(z.string(), z.unknown()).nullable(),
  cost_credits: z.string(),
  cost_usd: z.string().nullable(),
  overage: z.string(),
});

/** One void or amend of an event (src/modules/corrections). */
export const CorrectionOut = z.object({
  kind: z.enum(['void', 'amend']),
  at: z.string(),
  actor: z.string(),
  before: z.record(z.string(), z.unknown()),
  after: z.record(z.string(), z.unknown()).nullable(),
  booked_in_period: z.string(),
  original_day: z.string(),
  closed_period: z.boolean(),
});

/** An event with its status and history of corrections, oldest first. */
export const CorrectedEventOut = EventOut.extend({
  status: z.enum(['active', 'voided', 'amended']),
  corrections: z.array(CorrectionOut),
});

const EventCursor = z.object({ t: z.string(), id: z.string() });

export const IngestBody = z.object({ events: z.array(EventIn).min(1).meta({ maxItems: MAX_BATCH }) });
export const IngestResponse = z.object({
  accepted: z.number(),
  duplicates: z.number(),
  rejected: z.number(),
  results: z.array(ResultOut),
});

export const eventRoutes: RouteModule = (app, { ctx }) => {
  app.post(
    '/v1/events',
    {
      schema: {
        tags: ['events'],
        description: `Ingests up to ${MAX_BATCH} usage events. Each gets its own result; a batch in which nothing could be accepted answers 4xx.`,
        body: IngestBody,
        response: { 200: IngestResponse },
      },
      preValidation: async (request) => {
        const events = (request.body as { events?: unknown } | undefined)?.events;
        if (Array.isArray(events) && events.length > MAX_BATCH) {
          throw new TallyError('too_many_events', `A batch holds at most ${MAX_BATCH} events; this one has ${events.length}.`);
        }
      },
    },
    async (request) => {
      const actor = request.actor;
      if (actor.kind === 'key') authorize(actor, actor.orgId, 'events.write');
      const summary = await ingestEvents({ ctx, actor, events: request.body.events });
      metrics.events.inc({ status: 'accepted' }, summary.accepted);
      metrics.events.inc({ status: 'duplicate' }, summary.duplicates);
      metrics.events.inc({ status: 'rejected' }, summary.rejected);
      return summary;
    },
  );

  app.get(
    '/v1/orgs/:org/events',
    {
      schema: {
        tags: ['events'],
        params: OrgParams,
        querystring: z.object({
          from: Instant.optional(),
          to: Instant.optional(),
          meter: z.string().optional(),
          user: z.string().optional(),
          project: z.string().optional(),
          limit: Limit,
          cursor: Cursor,
        }),
        response: { 200: page(CorrectedEventOut) },
      },
    },
    async (request) => {
      authorize(request.actor, request.params.org, 'events.read_own');
      const { from, to, meter, project, limit, cursor } = request.query;
      const user = visibleUser(request.actor, request.query.user);
      const result = await listEvents({
        ctx,
        orgId: request.params.org,
        filter: { from, to, meter, user, project },
        after: decodeCursor(cursor, EventCursor),
        limit,
      });
      return { data: result.data, next_cursor: result.next ? encodeCursor(result.next) : null };
    },
  );
};

/**
 * Roles with events.read see every event of the organization (optionally filtered by user); a member sees
 * only their own: no user given means themselves, naming anyone else is refused.
 */
function visibleUser(actor: Actor, user: string | undefined): string | undefined {
  if (can(actor, 'events.read')) return user;
  const own = actor.kind === 'key' ? actor.memberId : null;
  if (own === null) throw new TallyError('forbidden', 'This key is not bound to a member, so it may not list usage events.');
  if (user !== undefined && user !== own) throw new TallyError('forbidden', 'Members may list only their own usage events; leave out "user" or give your own member id.');
  return own;
}
