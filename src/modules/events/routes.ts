import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { PageQuery, paginator } from '../../http/paging.js';
import type { Actor } from '../../http/auth.js';
import { TallyError, type ErrorCode } from '../../http/errors.js';
import type { AppContext } from '../../context.js';
import { metrics } from '../../metrics.js';
import {
  CursorId,
  CursorInstant,
  findUnsafeText,
  Instant,
  isSafeText,
  NonNegativeAmount,
  OrgParams,
  page,
  unsafeTextError,
} from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { setLimitHeaders } from '../caps/index.js';
import { listEvents } from './reads.js';
import { CorrectedEventOut } from './schemas.js';
import { ingestEvents, type EventInput, type EventResult, type IngestSummary } from './service.js';

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
  /** platform key only: the organization API key the event is reported for (an organization key always reports as itself) */
  api_key: z.string().min(1).max(64).optional(),
});

const ResultOut = z.object({
  id: z.string(),
  status: z.enum(['accepted', 'duplicate', 'rejected']),
  cost_credits: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** The events cursor: the last row's (timestamp, id). */
const byEvent = paginator(z.object({ t: CursorInstant, id: CursorId }));

export const IngestBody = z.object({ events: z.array(EventIn).min(1).meta({ maxItems: MAX_BATCH }) });
/** What the schema still checks once preValidation has validated each event (splitBatch): the batch's shape. */
const IngestShape = z.object({ events: z.array(z.unknown()).min(1) });
export const IngestResponse = z.object({
  accepted: z.number(),
  duplicates: z.number(),
  rejected: z.number(),
  results: z.array(ResultOut),
});

export const eventRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'POST',
    path: '/v1/events',
    capability: 'events.write',
    errors: ['too_many_events', 'unknown_meter', 'outside_grace_window', 'timestamp_in_future', 'events_rejected', 'organization_not_found'],
    schema: {
      tags: ['events'],
      description: `Ingests up to ${MAX_BATCH} usage events. Each gets its own result; a batch in which nothing could be accepted answers 4xx.`,
      body: IngestBody,
      response: { 200: IngestResponse },
    },
    validateBodyWith: IngestShape,
    preValidation: async (request) => {
      const body = request.body as { events?: unknown } | undefined;
      const events = body?.events;
      if (Array.isArray(events) && events.length > MAX_BATCH) {
        throw new TallyError('too_many_events', `A batch holds at most ${MAX_BATCH} events; this one has ${events.length}.`);
      }
      if (!Array.isArray(events) || events.length === 0) return; // the schema explains what is wrong
      const split = splitBatch(events);
      if (split.valid.length === 0) throw nothingAccepted(split.results.filter((r) => r !== undefined));
      invalidOf.set(request, split);
      body!.events = split.valid;
    },
    handler: async (request, reply) => {
      const actor = request.actor;
      const split = invalidOf.get(request);
      const serviced = await ingestOrRejections(ctx, actor, request.body.events, split);
      const summary = mergeResults(split, serviced.results);
      // a single event answers with the tightest limit left for whoever reported it (SPEC §3.16)
      if (summary.results.length === 1 && summary.accepted + summary.duplicates === 1) setLimitHeaders(reply, serviced.limits);
      metrics.events.inc({ status: 'accepted' }, summary.accepted);
      metrics.events.inc({ status: 'duplicate' }, summary.duplicates);
      metrics.events.inc({ status: 'rejected' }, summary.rejected);
      return summary;
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/events',
    capability: 'events.read_own',
    paginate: byEvent,
    schema: {
      tags: ['events'],
      params: OrgParams,
      querystring: PageQuery.extend({
        from: Instant.optional(),
        to: Instant.optional(),
        meter: z.string().optional(),
        user: z.string().optional(),
        project: z.string().optional(),
      }),
      response: { 200: page(CorrectedEventOut) },
    },
    handler: async (request) => {
      const { from, to, meter, project, limit, cursor } = request.query;
      const result = await listEvents({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        filter: { from, to, meter, user: request.query.user, project },
        after: byEvent.read(cursor),
        limit,
      });
      return byEvent.page(result.data, result.next);
    },
  });
};

interface SplitBatch {
  /** one entry per event of the request: the rejection of an event the schema refused, else undefined */
  results: (EventResult | undefined)[];
  /** the events the schema takes, in request order, still raw (the route's schema parses them) */
  valid: unknown[];
}

const invalidOf = new WeakMap<object, SplitBatch>();

/**
 * Validates each event of a batch on its own (SPEC §3.5: each event gets its own result), so one event
 * with a NUL byte or an overflowing quantity is rejected with its reason while the others are taken.
 */
function splitBatch(events: unknown[]): SplitBatch {
  const results: (EventResult | undefined)[] = [];
  const valid: unknown[] = [];
  events.forEach((event, i) => {
    const rawId = (event as { id?: unknown } | null)?.id;
    const id = typeof rawId === 'string' && isSafeText(rawId) ? rawId : `events[${i}]`;
    const unsafe = findUnsafeText(event, `events[${i}]`);
    if (unsafe) {
      results.push({ id, status: 'rejected', error: { code: 'invalid_text', message: unsafeTextError(unsafe).message } });
      return;
    }
    const parsed = EventIn.safeParse(event);
    if (parsed.success) {
      results.push(undefined);
      valid.push(parsed.data);
      return;
    }
    const issue = parsed.error.issues[0]!;
    const amount = JSON.stringify(parsed.error.issues).includes('invalid_amount');
    const where = [`events[${i}]`, ...issue.path.map(String)].join('.');
    results.push({ id, status: 'rejected', error: { code: amount ? 'invalid_amount' : 'invalid_request', message: `${where}: ${issue.message}` } });
  });
  return { results, valid };
}

/** The service's answer for the valid events; when it refuses them all, their rejections (merged with the schema's below). */
async function ingestOrRejections(
  ctx: AppContext,
  actor: Actor,
  events: EventInput[],
  split: SplitBatch | undefined,
): Promise<Pick<IngestSummary, 'results' | 'limits'>> {
  try {
    return await ingestEvents({ ctx, actor, events, withLimits: events.length === 1 && !split?.results.some((r) => r !== undefined) });
  } catch (error) {
    const results = (error as TallyError).details as { results?: EventResult[] } | undefined;
    if (!split || !(error instanceof TallyError) || !results?.results) throw error;
    return { results: results.results };
  }
}

function mergeResults(split: SplitBatch | undefined, serviced: EventResult[]): IngestSummary {
  let next = 0;
  const results = split ? split.results.map((r) => r ?? serviced[next++]!) : serviced;
  const summary: IngestSummary = { accepted: 0, duplicates: 0, rejected: 0, results };
  for (const r of results) {
    if (r.status === 'accepted') summary.accepted++;
    else if (r.status === 'duplicate') summary.duplicates++;
    else summary.rejected++;
  }
  if (summary.accepted === 0 && summary.duplicates === 0) throw nothingAccepted(results);
  return summary;
}

/** A batch of which nothing could be taken answers 4xx, naming the reason (the same rule as the service's). */
function nothingAccepted(results: EventResult[]): TallyError {
  const rejected = results.filter((r): r is Extract<EventResult, { status: 'rejected' }> => r.status === 'rejected');
  const first = rejected[0]!;
  const codes = new Set(rejected.map((r) => r.error.code));
  const code: ErrorCode = codes.size === 1 ? first.error.code : 'events_rejected';
  const message =
    results.length === 1 ? first.error.message : `No event was accepted: ${first.error.message} (see details.results for each event)`;
  return new TallyError(code, message, { results });
}

