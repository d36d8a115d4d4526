import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { byId, PageQuery } from '../../http/paging.js';
import { OrgParams, page } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { listNotifications } from './service.js';

const NotificationOut = z.object({
  id: z.string().meta({ description: 'the stable message id (webhook-id)' }),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  deliveries: z.array(
    z.object({
      id: z.string(),
      channel: z.enum(['webhook', 'email']),
      endpoint_id: z.string().nullable(),
      recipients: z.array(z.string()),
      status: z.enum(['pending', 'delivered', 'failed', 'cancelled', 'not_sent']),
      attempts: z.number(),
      next_attempt_at: z.string().nullable(),
      delivered_at: z.string().nullable(),
      last_error: z.string().nullable(),
    }),
  ),
});

export const notificationRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/notifications',
    capability: 'notifications.read',
    paginate: byId,
    schema: {
      tags: ['alerts'],
      params: OrgParams,
      querystring: PageQuery.extend({ type: z.string().max(100).optional() }),
      response: { 200: page(NotificationOut) },
    },
    handler: async (request) => {
      const q = request.query;
      const result = await listNotifications({ ctx, orgId: request.params.org, type: q.type, before: byId.read(q.cursor), limit: q.limit });
      return byId.page(result.data, result.next);
    },
  });
};
