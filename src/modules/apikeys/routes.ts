import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { byId, PageQuery } from '../../http/paging.js';
import { OrgParams, page } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { createApiKey, listApiKeys, revokeApiKey } from './service.js';

const Role = z.enum(['owner', 'billing_admin', 'manager', 'member']);

export const apiKeyRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/api-keys',
    capability: 'keys.write',
    schema: {
      tags: ['auth'],
      params: OrgParams,
      body: z.object({ name: z.string().min(1).max(200), role: Role.default('owner'), member: z.string().max(64).optional() }),
      response: {
        201: z.object({
          id: z.string(),
          name: z.string(),
          role: Role,
          member: z.string().nullable(),
          secret: z.string().meta({ description: 'shown once; store it now' }),
          created_at: z.string(),
        }),
      },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const key = await createApiKey({ ctx, orgId: request.params.org, actor: request.actor.label, name: b.name, role: b.role, memberId: b.member ?? null });
      return reply.status(201).send(key);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/api-keys',
    capability: 'keys.write',
    paginate: byId,
    schema: {
      tags: ['auth'],
      description: 'The live keys of the organization (never their secrets). Owners only.',
      params: OrgParams,
      querystring: PageQuery,
      response: {
        200: page(
          z.object({
            id: z.string(),
            name: z.string(),
            role: Role.meta({ description: "the role the key acts with now (a member's key: at most the member's current role)" }),
            member: z.string().nullable(),
            member_name: z.string().nullable(),
            created_at: z.string(),
            last_used_at: z.string().nullable().meta({ description: 'up to a minute stale' }),
          }),
        ),
      },
    },
    handler: async (request) => {
      const r = await listApiKeys({ ctx, orgId: request.params.org, after: byId.read(request.query.cursor), limit: request.query.limit });
      return byId.page(r.data, r.next_cursor);
    },
  });

  defineRoute(app, {
    method: 'DELETE',
    path: '/v1/orgs/:org/api-keys/:id',
    capability: 'keys.write',
    errors: ['not_found'],
    schema: {
      tags: ['auth'],
      description: 'Revokes a key at once (audited as api_key.revoke). Owners only.',
      params: OrgParams.extend({ id: z.string().max(100) }),
      response: { 200: z.object({ id: z.string(), revoked: z.literal(true), revoked_at: z.string() }) },
    },
    handler: async (request) => {
      return revokeApiKey({ ctx, orgId: request.params.org, actor: request.actor.label, keyId: request.params.id });
    },
  });
};
