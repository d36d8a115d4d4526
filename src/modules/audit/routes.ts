import { z } from 'zod';
import { authorize } from '../../http/auth.js';
import { Cursor, Limit, OrgParams, page } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { listAudit } from './service.js';

export const AuditOut = z.object({
  id: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  at: z.string(),
});

export const auditRoutes: RouteModule = (app, { ctx }) => {
  app.get(
    '/v1/orgs/:org/audit',
    {
      schema: {
        tags: ['audit'],
        params: OrgParams,
        querystring: z.object({ action: z.string().max(100).optional(), actor: z.string().max(200).optional(), limit: Limit, cursor: Cursor }),
        response: { 200: page(AuditOut) },
      },
    },
    async (request) => {
      authorize(request.actor, request.params.org, 'audit.read');
      const q = request.query;
      const r = await listAudit({ ctx, orgId: request.params.org, action: q.action, actor: q.actor, before: q.cursor, limit: q.limit });
      return { data: r.data, next_cursor: r.next };
    },
  );
};
