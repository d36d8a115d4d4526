import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { byId, PageQuery } from '../../http/paging.js';
import { OrgParams, page } from '../../http/schemas.js';
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
  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/audit',
    capability: 'audit.read',
    paginate: byId,
    schema: {
      tags: ['audit'],
      params: OrgParams,
      querystring: PageQuery.extend({ action: z.string().max(100).optional(), actor: z.string().max(200).optional() }),
      response: { 200: page(AuditOut) },
    },
    handler: async (request) => {
      const q = request.query;
      const r = await listAudit({ ctx, orgId: request.params.org, action: q.action, actor: q.actor, before: byId.read(q.cursor), limit: q.limit });
      return byId.page(r.data, r.next);
    },
  });
};
