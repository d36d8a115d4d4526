import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { byId, PageQuery } from '../../http/paging.js';
import { OrgParams, page } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { NOTIFICATION_TYPES } from '../outbox/index.js';
import { createEndpoint, deleteEndpoint, getEndpoint, listDeliveries, listEndpoints, updateEndpoint } from './service.js';

export const EventType = z.enum(NOTIFICATION_TYPES);
const Url = z.string().min(1).max(2000);

export const EndpointOut = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const DeliveryOut = z.object({
  delivery_id: z.string(),
  message_id: z.string().meta({ description: 'the webhook-id header; the same on every retry' }),
  type: z.string(),
  attempt: z.number(),
  attempted_at: z.string(),
  ok: z.boolean(),
  status_code: z.number().nullable(),
  error: z.string().nullable(),
  delivery_status: z.string(),
});

const EndpointParams = OrgParams.extend({ id: z.string() });

export const webhookRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/webhooks',
    capability: 'webhooks.manage',
    schema: {
      tags: ['alerts'],
      params: OrgParams,
      body: z.object({ url: Url, events: z.array(EventType).min(1), enabled: z.boolean().default(true) }),
      response: { 201: EndpointOut.extend({ secret: z.string().meta({ description: 'shown once; store it now' }) }) },
    },
    handler: async (request, reply) => {
      const b = request.body;
      return reply.status(201).send(await createEndpoint({ ctx, orgId: request.params.org, actor: request.actor.label, url: b.url, events: b.events, enabled: b.enabled }));
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/webhooks',
    capability: 'webhooks.manage',
    schema: { tags: ['alerts'], params: OrgParams, response: { 200: z.object({ data: z.array(EndpointOut) }) } },
    handler: async (request) => {
      return { data: await listEndpoints({ ctx, orgId: request.params.org }) };
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/webhooks/:id',
    capability: 'webhooks.manage',
    errors: ['not_found'],
    schema: { tags: ['alerts'], params: EndpointParams, response: { 200: EndpointOut } },
    handler: async (request) => {
      return getEndpoint({ ctx, orgId: request.params.org, id: request.params.id });
    },
  });

  defineRoute(app, {
    method: 'PATCH',
    path: '/v1/orgs/:org/webhooks/:id',
    capability: 'webhooks.manage',
    errors: ['not_found'],
    schema: {
      tags: ['alerts'],
      params: EndpointParams,
      body: z.object({ url: Url.optional(), events: z.array(EventType).min(1).optional(), enabled: z.boolean().optional() }),
      response: { 200: EndpointOut },
    },
    handler: async (request) => {
      return updateEndpoint({ ctx, orgId: request.params.org, actor: request.actor.label, id: request.params.id, patch: request.body });
    },
  });

  defineRoute(app, {
    method: 'DELETE',
    path: '/v1/orgs/:org/webhooks/:id',
    capability: 'webhooks.manage',
    errors: ['not_found'],
    schema: { tags: ['alerts'], params: EndpointParams },
    handler: async (request, reply) => {
      await deleteEndpoint({ ctx, orgId: request.params.org, actor: request.actor.label, id: request.params.id });
      return reply.status(204).send();
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/webhooks/:id/deliveries',
    capability: 'webhooks.manage',
    paginate: byId,
    errors: ['not_found'],
    schema: {
      tags: ['alerts'],
      params: EndpointParams,
      querystring: PageQuery,
      response: { 200: page(DeliveryOut) },
    },
    handler: async (request) => {
      const q = request.query;
      const result = await listDeliveries({ ctx, orgId: request.params.org, id: request.params.id, before: byId.read(q.cursor), limit: q.limit });
      return byId.page(result.data, result.next);
    },
  });
};
