import { z } from 'zod';
import { authorize } from '../../http/auth.js';
import { OrgParams } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { createApiKey } from './service.js';

const Role = z.enum(['owner', 'billing_admin', 'manager', 'member']);

export const apiKeyRoutes: RouteModule = (app, { ctx }) => {
  app.post(
    '/v1/orgs/:org/api-keys',
    {
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
    },
    async (request, reply) => {
      authorize(request.actor, request.params.org, 'keys.write');
      const b = request.body;
      const key = await createApiKey({ ctx, orgId: request.params.org, actor: request.actor.label, name: b.name, role: b.role, memberId: b.member ?? null });
      return reply.status(201).send(key);
    },
  );
};
