import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { byId, PageQuery } from '../../http/paging.js';
import { AmountOut, NonNegativeAmount, OrgParams, page, PositiveAmount } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { getAutoRecharge, putAutoRecharge } from './autorecharge.js';
import { confirmPurchase, createPurchase, failPurchase, getPurchase, listPurchases } from './service.js';

const Status = z.enum(['pending_payment', 'paid', 'failed']);

export const PurchaseOut = z.object({
  id: z.string(),
  grant_id: z.string(),
  amount: AmountOut,
  price_usd: AmountOut.nullable(),
  status: Status,
  origin: z.enum(['manual', 'auto_recharge']),
  provider: z.string(),
  provider_reference: z.string().nullable(),
  idempotency_key: z.string(),
  failure_reason: z.string().nullable(),
  created_at: z.string(),
  paid_at: z.string().nullable(),
  failed_at: z.string().nullable(),
});

export const AutoRechargeOut = z.object({
  enabled: z.boolean(),
  threshold: AmountOut,
  amount: AmountOut,
  max_per_month: z.number(),
  cooldown_minutes: z.number(),
  in_flight_purchase_id: z.string().nullable(),
  purchases_this_month: z.number(),
  last_started_at: z.string().nullable(),
  last_failed_at: z.string().nullable(),
});

const PurchaseParams = OrgParams.extend({ id: z.string() });

export const purchaseRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/purchases',
    capability: 'purchases.write',
    errors: ['idempotency_key_reused'],
    schema: {
      tags: ['purchases'],
      params: OrgParams,
      body: z.object({ amount: PositiveAmount, price_usd: NonNegativeAmount.optional(), idempotency_key: z.string().min(1).max(200) }),
      response: { 200: PurchaseOut, 201: PurchaseOut },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const result = await createPurchase({
        ctx,
        orgId: request.params.org,
        actor: request.actor.label,
        amount: b.amount,
        priceUsd: b.price_usd ?? null,
        idempotencyKey: b.idempotency_key,
      });
      return reply.status(result.statusCode).send(result.body);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/purchases',
    capability: 'purchases.read',
    paginate: byId,
    schema: {
      tags: ['purchases'],
      params: OrgParams,
      querystring: PageQuery.extend({ status: Status.optional() }),
      response: { 200: page(PurchaseOut) },
    },
    handler: async (request) => {
      const q = request.query;
      const result = await listPurchases({ ctx, orgId: request.params.org, status: q.status, before: byId.read(q.cursor), limit: q.limit });
      return byId.page(result.data, result.next);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/purchases/:id',
    capability: 'purchases.read',
    errors: ['not_found', 'purchase_not_pending'],
    schema: { tags: ['purchases'], params: PurchaseParams, response: { 200: PurchaseOut } },
    handler: async (request) => {
      return getPurchase({ ctx, orgId: request.params.org, id: request.params.id });
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/purchases/:id/confirm',
    capability: 'purchases.confirm',
    errors: ['not_found', 'purchase_not_pending'],
    schema: {
      tags: ['purchases'],
      params: PurchaseParams,
      body: z.object({ reference: z.string().max(200).optional() }).nullish(),
      response: { 200: PurchaseOut },
    },
    handler: async (request) => {
      return confirmPurchase({
        ctx,
        orgId: request.params.org,
        id: request.params.id,
        actor: request.actor.label,
        reference: request.body?.reference,
      });
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/purchases/:id/fail',
    capability: 'purchases.confirm',
    errors: ['not_found', 'purchase_not_pending'],
    schema: {
      tags: ['purchases'],
      params: PurchaseParams,
      body: z.object({ reason: z.string().max(500).optional() }).nullish(),
      response: { 200: PurchaseOut },
    },
    handler: async (request) => {
      return failPurchase({ ctx, orgId: request.params.org, id: request.params.id, actor: request.actor.label, reason: request.body?.reason });
    },
  });

  defineRoute(app, {
    method: 'PUT',
    path: '/v1/orgs/:org/auto-recharge',
    capability: 'auto_recharge.manage',
    schema: {
      tags: ['purchases'],
      params: OrgParams,
      body: z.object({
        enabled: z.boolean(),
        threshold: NonNegativeAmount,
        amount: PositiveAmount,
        max_per_month: z.number().int().min(1).max(1000),
        cooldown_minutes: z.number().int().min(0).max(60 * 24 * 31),
      }),
      response: { 200: AutoRechargeOut },
    },
    handler: async (request) => {
      const b = request.body;
      return putAutoRecharge({
        ctx,
        orgId: request.params.org,
        actor: request.actor.label,
        input: { enabled: b.enabled, threshold: b.threshold, amount: b.amount, maxPerMonth: b.max_per_month, cooldownMinutes: b.cooldown_minutes },
      });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/auto-recharge',
    capability: 'auto_recharge.manage',
    schema: { tags: ['purchases'], params: OrgParams, response: { 200: AutoRechargeOut } },
    handler: async (request) => {
      return getAutoRecharge({ ctx, orgId: request.params.org });
    },
  });
};
