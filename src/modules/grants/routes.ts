import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { byId, PageQuery, paginator } from '../../http/paging.js';
import { AmountOut, Instant, OrgParams, page, PositiveAmount } from '../../http/schemas.js';
import { idempotencyKey, type RouteModule } from '../../http/types.js';
import { createGrant, getGrant, grantLedger, grantLedgerSummary, listGrants, voidGrant } from './service.js';

const Source = z.enum(['included', 'purchased', 'promotional', 'adjustment']);
const Names = z.array(z.string().min(1).max(200)).max(100);
const AppliesToOut = z.object({ meters: z.array(z.string()).optional(), categories: z.array(z.string()).optional() });

const BlockOut = z.object({
  id: z.string(),
  amount: AmountOut,
  remaining: AmountOut,
  starts_at: z.string(),
  expires_at: z.string().nullable(),
  status: z.enum(['pending', 'active', 'depleted', 'expired', 'voided']),
});

export const GrantOut = z.object({
  id: z.string(),
  name: z.string(),
  source: Source,
  priority: z.number(),
  status: z.enum(['pending_payment', 'pending', 'in_use', 'depleted', 'expired', 'voided']),
  amount: AmountOut,
  remaining: AmountOut.meta({ description: 'released credit left (what expires is booked out by the scheduler)' }),
  pending: AmountOut.meta({ description: 'disbursements not released yet (or awaiting payment)' }),
  metadata: z.record(z.string(), z.unknown()),
  applies_to: AppliesToOut.nullable().meta({ description: 'the usage this grant pays for; null = all usage' }),
  created_at: z.string(),
  voided_at: z.string().nullable(),
  starts_at: z.string().nullable(),
  expires_at: z.string().nullable(),
  blocks: z.array(BlockOut),
});

export const LedgerEntryOut = z.object({
  id: z.string(),
  type: z.string(),
  amount: AmountOut.meta({ description: 'signed from the grant side: + credits added, − credits taken' }),
  balance: AmountOut.nullable(),
  block_id: z.string().nullable(),
  counterparty: z.string(),
  occurred_at: z.string(),
  recorded_at: z.string(),
  event_id: z.string().nullable(),
  ref: z.string().nullable(),
  actor: z.string().nullable(),
});

export const LedgerSummaryRowOut = z.object({
  type: z.enum(['credits_available', 'credit_usage', 'credits_expired', 'credits_voided', 'scheduled']),
  date: z.string().meta({ description: 'local day in the organization time zone' }),
  amount: AmountOut.meta({ description: 'signed from the grant side' }),
  balance: AmountOut.nullable().meta({ description: 'the grant balance after this row; null for a scheduled disbursement' }),
  at: z.string().meta({ description: 'when the credits became available, or the last usage of the day' }),
  entries: z.number().int(),
});

const GrantParams = OrgParams.extend({ grant: z.string() });

const CreateGrantBody = z.object({
  name: z.string().min(1).max(200),
  source: Source,
  priority: z.number().int().min(0).max(100).optional(),
  amount: PositiveAmount.optional(),
  starts_at: Instant.optional(),
  expires_at: Instant.nullable().optional(),
  disbursements: z
    .array(z.object({ amount: PositiveAmount, starts_at: Instant.optional(), expires_at: Instant.nullable().optional() }))
    .min(1)
    .max(120)
    .optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  applies_to: z
    .strictObject({ meters: Names.optional(), categories: Names.optional() })
    .nullable()
    .optional()
    .meta({ description: 'pay only for these meters or meter categories (SPEC §3.16); omitted = all usage' }),
});

/** The grant ledger's cursor: the last entry's sequence number (a bigint as decimal text). */
const bySequence = paginator(z.string().regex(/^\d{1,19}$/));

export const grantRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/grants',
    capability: 'grants.write',
    errors: ['idempotency_key_reused'],
    schema: { tags: ['grants'], params: OrgParams, body: CreateGrantBody, response: { 201: GrantOut } },
    handler: async (request, reply) => {
      const b = request.body;
      const result = await createGrant({
        ctx,
        orgId: request.params.org,
        actor: request.actor.label,
        idempotencyKey: idempotencyKey(request.headers),
        input: {
          name: b.name,
          source: b.source,
          priority: b.priority,
          amount: b.amount,
          startsAt: b.starts_at,
          expiresAt: b.expires_at,
          disbursements: b.disbursements?.map((d) => ({ amount: d.amount, startsAt: d.starts_at, expiresAt: d.expires_at })),
          metadata: b.metadata,
          appliesTo: b.applies_to ?? undefined,
        },
      });
      return reply.status(result.statusCode as 201).send(result.body);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/grants',
    capability: 'grants.read',
    paginate: byId,
    schema: {
      tags: ['grants'],
      params: OrgParams,
      querystring: PageQuery.extend({ status: z.enum(['in_use', 'pending', 'expired', 'all']).default('all') }),
      response: { 200: page(GrantOut) },
    },
    handler: async (request) => {
      const q = request.query;
      const result = await listGrants({ ctx, orgId: request.params.org, status: q.status, before: byId.read(q.cursor), limit: q.limit });
      return byId.page(result.data, result.next);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/grants/:grant',
    capability: 'grants.read',
    errors: ['grant_not_found'],
    schema: { tags: ['grants'], params: GrantParams, response: { 200: GrantOut } },
    handler: async (request) => {
      return getGrant({ ctx, orgId: request.params.org, grantId: request.params.grant });
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/grants/:grant/void',
    capability: 'grants.write',
    errors: ['grant_not_found', 'already_voided'],
    schema: {
      tags: ['grants'],
      params: GrantParams,
      body: z.object({ reason: z.string().max(500).optional() }).optional(),
      response: { 200: GrantOut },
    },
    handler: async (request, reply) => {
      const result = await voidGrant({
        ctx,
        orgId: request.params.org,
        grantId: request.params.grant,
        actor: request.actor.label,
        reason: request.body?.reason,
        idempotencyKey: idempotencyKey(request.headers),
      });
      return reply.status(result.statusCode as 200).send(result.body);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/grants/:grant/ledger',
    capability: 'grants.read',
    paginate: bySequence,
    errors: ['grant_not_found'],
    schema: {
      tags: ['grants'],
      params: GrantParams,
      querystring: PageQuery.extend({
        day: z.iso.date().optional().meta({ description: 'only entries of this local day (organization time zone)' }),
      }),
      response: { 200: page(LedgerEntryOut) },
    },
    handler: async (request) => {
      const { cursor, limit } = request.query;
      const after = bySequence.read(cursor);
      const result = await grantLedger({
        ctx,
        orgId: request.params.org,
        grantId: request.params.grant,
        after: after === undefined ? undefined : BigInt(after),
        limit,
        day: request.query.day,
      });
      return bySequence.page(result.data, result.next);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/grants/:grant/ledger/summary',
    capability: 'grants.read',
    errors: ['grant_not_found'],
    schema: { tags: ['grants'], params: GrantParams, response: { 200: z.object({ data: z.array(LedgerSummaryRowOut) }) } },
    handler: async (request) => {
      return grantLedgerSummary({ ctx, orgId: request.params.org, grantId: request.params.grant });
    },
  });
};
