import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { byId, PageQuery } from '../../http/paging.js';
import { AmountOut, OrgParams, page, PositiveAmount } from '../../http/schemas.js';
import { idempotencyKey, type RouteModule } from '../../http/types.js';
import { createRequest, decideRequest, listRequests } from './service.js';

const Status = z.enum(['pending', 'approved', 'denied', 'auto_approved']);
export const RequestOut = z.object({
  id: z.string(),
  member: z.string(),
  requester_name: z.string(),
  requester_email: z.string(),
  group_id: z.string(),
  amount: AmountOut,
  approved_amount: AmountOut.nullable(),
  reason: z.string(),
  status: Status,
  note: z.string().nullable(),
  decided_by: z.string().nullable(),
  created_at: z.string(),
  decided_at: z.string().nullable(),
});
const RequestParams = OrgParams.extend({ id: z.string() });
const Note = z.string().max(2000);

export const requestRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/requests',
    capability: 'requests.create',
    schema: {
      tags: ['requests'],
      params: OrgParams,
      body: z.strictObject({
        member: z.string().min(1).max(64).optional(),
        amount: PositiveAmount,
        reason: z.string().trim().min(1).max(2000),
      }),
      response: { 201: RequestOut },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const r = await createRequest({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        input: { memberId: b.member, amount: b.amount, reason: b.reason },
        idempotencyKey: idempotencyKey(request.headers),
      });
      return reply.status(r.statusCode as 201).send(r.body);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/requests',
    capability: 'requests.read',
    paginate: byId,
    schema: {
      tags: ['requests'],
      params: OrgParams,
      querystring: PageQuery.extend({ status: Status.optional() }),
      response: { 200: page(RequestOut) },
    },
    handler: async (request) => {
      const q = request.query;
      const r = await listRequests({ ctx, actor: request.actor, orgId: request.params.org, status: q.status, before: byId.read(q.cursor), limit: q.limit });
      return byId.page(r.data, r.next);
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/requests/:id/approve',
    capability: 'requests.decide',
    errors: ['request_not_found', 'already_decided', 'amount_exceeds_request'],
    schema: {
      tags: ['requests'],
      params: RequestParams,
      body: z.strictObject({ amount: PositiveAmount.optional(), note: Note.optional() }).optional(),
      response: { 200: RequestOut },
    },
    handler: async (request) => {
      return decideRequest({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        requestId: request.params.id,
        decision: { approve: true, amount: request.body?.amount, note: request.body?.note },
      });
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/requests/:id/deny',
    capability: 'requests.decide',
    errors: ['request_not_found', 'already_decided'],
    schema: {
      tags: ['requests'],
      params: RequestParams,
      body: z.strictObject({ note: Note.optional() }).optional(),
      response: { 200: RequestOut },
    },
    handler: async (request) => {
      return decideRequest({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        requestId: request.params.id,
        decision: { approve: false, note: request.body?.note },
      });
    },
  });
};
