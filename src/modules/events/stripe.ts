import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { TallyError } from '../../http/errors.js';
import type { RouteModule, Typed } from '../../http/types.js';
import { eventKey, ingestForeign, type ForeignItem } from './foreign.js';

/**
 * Stripe's meter-event call (POST /v1/billing/meter_events) under /v1/compat/stripe, so a platform
 * that meters for Stripe can send the same events to Tally: `event_name` → meter,
 * `payload.stripe_customer_id` (or `customer_id`) → organization exactly as a CloudEvents subject
 * resolves, `payload.value` → quantity, `identifier` → idempotency key, `timestamp` (Unix seconds).
 * Stripe's SDKs send it form-encoded (`payload[value]=3`); JSON is accepted too.
 */
const FORM = 'application/x-www-form-urlencoded';

/** Stripe's bracket notation, one level deep as meter events use it: `payload[value]=3`. */
export function parseStripeForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const nested = /^([A-Za-z0-9_]+)\[([A-Za-z0-9_]+)\]$/.exec(key);
    if (!nested) {
      out[key] = value;
      continue;
    }
    const parent = (out[nested[1]!] ??= {});
    if (typeof parent === 'object' && parent !== null) (parent as Record<string, unknown>)[nested[2]!] = value;
  }
  return out;
}

const Text = z.string().min(1).max(200);

export const StripeMeterEventBody = z.object({
  event_name: Text,
  identifier: Text.optional(),
  timestamp: z.union([z.number().int(), z.string().regex(/^\d{1,12}$/, 'must be Unix seconds')]).optional(),
  payload: z
    .object({
      stripe_customer_id: z.string().min(1).max(300).optional(),
      customer_id: z.string().min(1).max(300).optional(),
      value: z.union([z.string(), z.number()]).optional(),
    })
    .catchall(z.unknown()),
});

export const StripeMeterEventOut = z.object({
  object: z.literal('billing.meter_event'),
  event_name: z.string(),
  identifier: z.string(),
  payload: z.record(z.string(), z.unknown()),
  timestamp: z.number(),
  created: z.number(),
  livemode: z.boolean(),
  tally: z.object({
    id: z.string(),
    status: z.enum(['accepted', 'duplicate']),
    cost_credits: z.string().optional(),
  }),
});

export function mapStripeEvent(body: z.output<typeof StripeMeterEventBody>, now: Date): { item: ForeignItem; identifier: string; timestamp: number } {
  const identifier = body.identifier ?? `tally_${randomUUID().replaceAll('-', '')}`;
  const timestamp = body.timestamp === undefined ? Math.floor(now.getTime() / 1000) : Number(body.timestamp);
  const id = eventKey(['stripe', identifier]);
  const { stripe_customer_id: stripeCustomer, customer_id: customer, value, ...rest } = body.payload;
  const subject = stripeCustomer ?? customer;
  if (!subject) {
    return { identifier, timestamp, item: { ok: false, id, code: 'invalid_request', message: 'payload.stripe_customer_id (or payload.customer_id) is required.' } };
  }
  return {
    identifier,
    timestamp,
    item: {
      ok: true,
      event: { id, subject, meter: body.event_name, timestamp: new Date(timestamp * 1000), data: rest, ...(value === undefined ? {} : { value }) },
    },
  };
}

export const stripeRoutes: RouteModule = (app, { ctx }) => {
  app.register(async (scoped: Typed) => {
    scoped.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => done(null, parseStripeForm(String(body))));
    defineRoute(scoped, {
      method: 'POST',
      path: '/v1/compat/stripe/meter_events',
      capability: 'events.write',
      errors: ['unknown_meter', 'outside_grace_window', 'timestamp_in_future', 'organization_not_found'],
      schema: {
        tags: ['events'],
        description:
          "Stripe's meter-event shape (JSON or form-encoded, as Stripe's SDKs send it). The customer id resolves as a CloudEvents subject does: an organization id, `<org id>/<member id>`, or one of the organization's customer aliases.",
        body: StripeMeterEventBody,
        response: { 200: StripeMeterEventOut },
      },
      handler: async (request) => {
        const actor = request.actor;
        const now = ctx.clock.now();
        const { item, identifier, timestamp } = mapStripeEvent(request.body, now);
        const summary = await ingestForeign({ ctx, actor, items: [item] });
        const result = summary.results[0]!;
        if (result.status === 'rejected') throw new TallyError(result.error.code, result.error.message);
        return {
          object: 'billing.meter_event' as const,
          event_name: request.body.event_name,
          identifier,
          payload: request.body.payload,
          timestamp,
          created: Math.floor(now.getTime() / 1000),
          livemode: false,
          tally: { id: result.id, status: result.status, ...(result.status === 'accepted' ? { cost_credits: result.cost_credits } : {}) },
        };
      },
    });
  });
};
