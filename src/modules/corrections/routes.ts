import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import type { AppContext } from '../../context.js';
import { authorize, type Actor } from '../../http/auth.js';
import { TallyError, type ErrorCode } from '../../errors.js';
import { Instant, NonNegativeAmount, OrgParams } from '../../http/schemas.js';
import { idempotencyKey, type RouteModule } from '../../http/types.js';
import { CorrectedEventOut } from '../events/index.js';
import { correctEvent, type AmendFields, type CorrectionRequest } from './service.js';

export const MAX_CORRECTIONS = 1000;

const Text = z.string().min(1).max(200);

const AmendShape = {
  quantity: NonNegativeAmount.optional(),
  meter: Text.optional(),
  resource_class: Text.nullable().optional(),
  user: Text.nullable().optional(),
  project: Text.nullable().optional(),
  timestamp: Instant.optional().meta({ description: 'must lie within the grace window, like an ingested event' }),
};
const AmendBody = z.strictObject(AmendShape);

const CorrectionAnswer = z.object({ changed: z.boolean(), event: CorrectedEventOut });

const EventParams = OrgParams.extend({ id: z.string().min(1).max(200) });

const BatchItem = z.strictObject({
  org: z.string().min(1).max(64),
  id: z.string().min(1).max(200),
  action: z.enum(['void', 'amend']),
  ...AmendShape,
});

const BatchResult = z.object({
  org: z.string(),
  id: z.string(),
  action: z.enum(['void', 'amend']),
  status: z.enum(['voided', 'amended', 'unchanged', 'rejected']),
  cost_credits: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

function amendFields(b: z.infer<typeof AmendBody>): AmendFields {
  const fields: AmendFields = {
    quantity: b.quantity,
    meter: b.meter,
    resource_class: b.resource_class,
    user: b.user,
    project: b.project,
    timestamp: b.timestamp,
  };
  if (Object.values(fields).every((v) => v === undefined)) {
    throw new TallyError('invalid_request', 'An amend names at least one field to change: quantity, meter, resource_class, user, project or timestamp.');
  }
  return fields;
}

async function correctBatch(ctx: AppContext, actor: Actor, items: z.infer<typeof BatchItem>[]) {
  const results: z.infer<typeof BatchResult>[] = [];
  // One transaction per item, so a refused item is refused alone and the
  // others stand; natural idempotency makes a resent batch harmless.
  for (const item of items) {
    const base = { org: item.org, id: item.id, action: item.action };
    try {
      authorize(actor, item.org, 'events.write');
      const request: CorrectionRequest = item.action === 'void' ? { kind: 'void' } : { kind: 'amend', fields: amendFields(item) };
      const { body } = await correctEvent({ ctx, orgId: item.org, eventId: item.id, request, actor: actor.label });
      results.push({
        ...base,
        status: !body.changed ? 'unchanged' : item.action === 'void' ? 'voided' : 'amended',
        cost_credits: body.event.cost_credits,
      });
    } catch (error) {
      if (!(error instanceof TallyError)) throw error;
      results.push({ ...base, status: 'rejected', error: { code: error.code, message: error.message } });
    }
  }
  return results;
}

export const correctionRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/events/:id/void',
    capability: 'events.write',
    errors: ['already_voided'],
    schema: {
      tags: ['events'],
      description:
        'Voids a usage event within the grace window: its credits return to the blocks that paid them (or to expired, for a block that has since expired). Voiding a voided event changes nothing.',
      params: EventParams,
      response: { 200: CorrectionAnswer },
    },
    handler: async (request, reply) => {
      const result = await correctEvent({
        ctx,
        orgId: request.params.org,
        eventId: request.params.id,
        request: { kind: 'void' },
        actor: request.actor.label,
        idempotencyKey: idempotencyKey(request.headers),
      });
      return reply.status(200).send(result.body);
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/events/:id/amend',
    capability: 'events.write',
    schema: {
      tags: ['events'],
      description:
        'Amends a usage event within the grace window: the old rating is voided and the new one booked as ingest would book it. Amending to the current values changes nothing.',
      params: EventParams,
      body: AmendBody,
      response: { 200: CorrectionAnswer },
    },
    handler: async (request, reply) => {
      const result = await correctEvent({
        ctx,
        orgId: request.params.org,
        eventId: request.params.id,
        request: { kind: 'amend', fields: amendFields(request.body) },
        actor: request.actor.label,
        idempotencyKey: idempotencyKey(request.headers),
      });
      return reply.status(200).send(result.body);
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/events/corrections',
    capability: 'events.write',
    schema: {
      tags: ['events'],
      description: `Voids or amends up to ${MAX_CORRECTIONS} events. Each item gets its own result; a refused item is refused alone.`,
      body: z.object({ corrections: z.array(BatchItem).min(1).meta({ maxItems: MAX_CORRECTIONS }) }),
      response: { 200: z.object({ results: z.array(BatchResult) }) },
    },
    preValidation: async (request) => {
      const items = (request.body as { corrections?: unknown } | undefined)?.corrections;
      if (Array.isArray(items) && items.length > MAX_CORRECTIONS) {
        throw new TallyError('too_many_events', `A batch holds at most ${MAX_CORRECTIONS} corrections; this one has ${items.length}.`);
      }
    },
    handler: async (request) => {
      const results = await correctBatch(ctx, request.actor, request.body.corrections);
      if (results.every((r) => r.status === 'rejected')) {
        const codes = new Set(results.map((r) => r.error!.code));
        const code = (codes.size === 1 ? results[0]!.error!.code : 'events_rejected') as ErrorCode;
        throw new TallyError(code, `No correction was applied: ${results[0]!.error!.message}`, { results });
      }
      return { results };
    },
  });
};
