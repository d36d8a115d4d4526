import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { TallyError } from '../../http/errors.js';
import type { RouteModule, Typed } from '../../http/types.js';
import { eventKey, ingestForeign, type ForeignItem } from './foreign.js';
import { IngestResponse, MAX_BATCH } from './routes.js';

/**
 * CloudEvents 1.0 (structured and batched JSON mode) on POST /v1/events, the format OpenMeter and
 * Kong metering send: `type` → meter, `subject` → organization (or `<org>/<member>`, or a customer
 * alias), `time` → timestamp, `id` + `source` → idempotency key, quantity from `data` by the
 * meter's `value_path`.
 */
export const CLOUDEVENT = 'application/cloudevents+json';
export const CLOUDEVENTS_BATCH = 'application/cloudevents-batch+json';

/**
 * The native route and this one share POST /v1/events; a route constraint on the media type picks
 * this one, so the native route needs no change.
 */
const STRATEGY = 'ingestFormat';

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export function registerIngestFormat(app: FastifyInstance): void {
  if (app.hasConstraintStrategy(STRATEGY)) return;
  app.addConstraintStrategy({
    name: STRATEGY,
    mustMatchWhenDerived: false,
    storage() {
      const handlers = new Map<string, unknown>();
      return {
        get: (value: string) => (handlers.get(value) ?? null) as never,
        set: (value: string, store: unknown) => void handlers.set(value, store),
      };
    },
    deriveConstraint(request: { headers: Record<string, string | string[] | undefined> }) {
      const type = mediaType(request.headers['content-type'] as string | undefined);
      return type === CLOUDEVENT || type === CLOUDEVENTS_BATCH ? 'cloudevents' : undefined;
    },
  } as never);
}

const Str = (max: number) => z.string().min(1).max(max);

/** One CloudEvent, checked on its own so one malformed event does not refuse its batch. */
const CloudEvent = z.object({
  specversion: z.literal('1.0', { message: 'must be "1.0"' }),
  id: Str(200),
  source: Str(500),
  type: Str(200),
  subject: Str(300),
  time: z.iso.datetime({ offset: true }).optional(),
  datacontenttype: z.string().regex(/(^|\/|\+)json(;|$)/i, 'must be a JSON media type').optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

const optionalText = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 && value.length <= 200 ? value : undefined);

export function mapCloudEvent(raw: unknown, now: Date): ForeignItem {
  // A malformed event still gets its result under the key it would have had, when it has an id.
  const { id: rawId, source: rawSource } = (raw && typeof raw === 'object' ? raw : {}) as { id?: unknown; source?: unknown };
  const fallbackId = typeof rawId !== 'string' ? '' : typeof rawSource === 'string' ? eventKey([rawSource, rawId]) : rawId;
  if (raw && typeof raw === 'object' && 'data_base64' in raw) {
    return { ok: false, id: fallbackId, code: 'invalid_request', message: 'data_base64 is not accepted: send the data as JSON.' };
  }
  const parsed = CloudEvent.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : 'event';
    return { ok: false, id: fallbackId, code: 'invalid_request', message: `${where}: ${issue.message}` };
  }
  const e = parsed.data;
  const data = e.data ?? {};
  return {
    ok: true,
    event: {
      id: eventKey([e.source, e.id]),
      subject: e.subject,
      meter: e.type,
      // CloudEvents makes time optional; an event without one happened when it arrived.
      timestamp: e.time ? new Date(e.time) : now,
      data,
      project: optionalText(data.project),
      jobId: optionalText(data.job_id),
      jobName: optionalText(data.job_name),
      resourceClass: optionalText(data.resource_class),
    },
  };
}

export const cloudEventRoutes: RouteModule = (app, { ctx }) => {
  registerIngestFormat(app as unknown as FastifyInstance);
  app.register(async (scoped: Typed) => {
    scoped.addContentTypeParser([CLOUDEVENT, CLOUDEVENTS_BATCH], { parseAs: 'string' }, scoped.getDefaultJsonParser('error', 'error'));
    defineRoute(scoped, {
      method: 'POST',
      path: '/v1/events',
      capability: 'events.write',
      errors: ['too_many_events', 'unknown_meter', 'outside_grace_window', 'timestamp_in_future', 'events_rejected', 'organization_not_found'],
      constraints: { [STRATEGY]: 'cloudevents' },
      schema: { hide: true, body: z.unknown(), response: { 200: IngestResponse } },
      handler: async (request) => {
        const actor = request.actor;
        const batch = mediaType(request.headers['content-type']) === CLOUDEVENTS_BATCH;
        const body = request.body;
        if (batch !== Array.isArray(body)) {
          throw new TallyError(
            'invalid_request',
            batch ? `${CLOUDEVENTS_BATCH} takes a JSON array of CloudEvents.` : `${CLOUDEVENT} takes one CloudEvent object; send arrays as ${CLOUDEVENTS_BATCH}.`,
          );
        }
        const events = batch ? (body as unknown[]) : [body];
        if (events.length === 0) throw new TallyError('invalid_request', 'The batch is empty: send at least one CloudEvent.');
        if (events.length > MAX_BATCH) {
          throw new TallyError('too_many_events', `A batch holds at most ${MAX_BATCH} events; this one has ${events.length}.`);
        }
        const now = ctx.clock.now();
        return ingestForeign({ ctx, actor, items: events.map((e) => mapCloudEvent(e, now)) });
      },
    });
  });
};
