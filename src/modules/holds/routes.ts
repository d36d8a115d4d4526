import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { byId, PageQuery } from '../../http/paging.js';
import { AmountOut, Instant, NonNegativeAmount, OrgParams, page, PositiveAmount } from '../../http/schemas.js';
import { idempotencyKey, type RouteModule } from '../../http/types.js';
import { setLimitHeaders } from '../caps/index.js';
import { captureHold, createHold } from './realtime.js';
import { checkAdmission, listHolds, releaseHold } from './service.js';

const HoldStatus = z.enum(['open', 'captured', 'released', 'expired']);
const HoldOut = z.object({
  id: z.string(),
  member: z.string(),
  amount: AmountOut,
  captured_amount: AmountOut.nullable(),
  job_id: z.string().nullable(),
  status: HoldStatus,
  expires_at: z.string().nullable(),
  created_at: z.string(),
  closed_at: z.string().nullable(),
});
/** `cap:<id>` names the spend cap that refused (SPEC §3.16) */
const Limited = z.union([z.enum(['member', 'group', 'account_cycle', 'balance', 'plan']), z.string().regex(/^cap:/)]).nullable();
const CapRefusal = z.object({ id: z.string(), scope: z.string(), window: z.string(), mode: z.string(), limit: AmountOut, used: AmountOut, held: AmountOut, remaining: AmountOut });
/** what a check or hold is for, so per-project, per-key and per-meter caps apply */
const Subject = {
  project: z.string().min(1).max(200).optional(),
  /** platform key only; an organization key is always itself */
  api_key: z.string().min(1).max(64).optional(),
};
const HoldParams = OrgParams.extend({ hold: z.string() });

export const holdRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/check',
    capability: 'admission.use',
    errors: ['member_not_found', 'rule_refused'],
    config: { findsOrg: true },
    schema: {
      tags: ['admission'],
      params: OrgParams,
      body: z.strictObject({ member: z.string().min(1).max(64), amount: PositiveAmount, ...Subject, meter: z.string().min(1).max(200).optional() }),
      response: {
        200: z.object({
          allowed: z.boolean(),
          limited_by: Limited,
          remaining: z.object({ member: AmountOut, group: AmountOut, account_cycle: AmountOut.nullable(), balance: AmountOut }),
          message: z.string().nullable(),
          cap: CapRefusal.optional(),
        }),
      },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const subject = { project: b.project, apiKeyId: b.api_key, meter: b.meter };
      const { answer, limits } = await checkAdmission({ ctx, actor: request.actor, orgId: request.params.org, memberId: b.member, amount: b.amount, subject });
      setLimitHeaders(reply, limits);
      return answer;
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/holds',
    capability: 'admission.use',
    errors: ['member_not_found', 'insufficient_credits', 'rule_refused', 'idempotency_key_reused'],
    config: { findsOrg: true },
    schema: {
      tags: ['admission'],
      params: OrgParams,
      body: z.strictObject({
        member: z.string().min(1).max(64),
        amount: PositiveAmount,
        job_id: z.string().min(1).max(200).optional(),
        expires_at: Instant.optional(),
        ...Subject,
      }),
      response: { 201: HoldOut },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const { value: r, limits } = await createHold({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        input: { memberId: b.member, amount: b.amount, jobId: b.job_id, expiresAt: b.expires_at, project: b.project, apiKeyId: b.api_key },
        idempotencyKey: idempotencyKey(request.headers),
      });
      setLimitHeaders(reply, limits);
      return reply.status(r.statusCode as 201).send(r.body);
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/holds/:hold/capture',
    capability: 'admission.use',
    errors: ['hold_not_found', 'hold_not_open', 'capture_exceeds_hold'],
    config: { findsOrg: true },
    schema: { tags: ['admission'], params: HoldParams, body: z.strictObject({ amount: NonNegativeAmount }), response: { 200: HoldOut } },
    handler: async (request, reply) => {
      const { value, limits } = await captureHold({ ctx, actor: request.actor, orgId: request.params.org, holdId: request.params.hold, amount: request.body.amount });
      setLimitHeaders(reply, limits);
      return value;
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/holds/:hold/release',
    capability: 'admission.use',
    errors: ['hold_not_found', 'hold_not_open'],
    config: { findsOrg: true },
    schema: { tags: ['admission'], params: HoldParams, response: { 200: HoldOut } },
    handler: async (request) => {
      return (await releaseHold({ ctx, actor: request.actor, orgId: request.params.org, holdId: request.params.hold })).value;
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/holds',
    capability: 'admission.use',
    paginate: byId,
    schema: {
      tags: ['admission'],
      params: OrgParams,
      querystring: PageQuery.extend({ status: HoldStatus.optional() }),
      response: { 200: page(HoldOut) },
    },
    handler: async (request) => {
      const q = request.query;
      const r = await listHolds({ ctx, actor: request.actor, orgId: request.params.org, status: q.status, before: byId.read(q.cursor), limit: q.limit });
      return byId.page(r.data, r.next);
    },
  });
};
