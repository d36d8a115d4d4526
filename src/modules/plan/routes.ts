import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { NonNegativeAmount, OrgParams } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { getPlan, planUsage, putPlan } from './service.js';

const LimitIn = z.union([z.literal('unlimited').transform(() => null), NonNegativeAmount]);
const LimitKey = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lowercase key such as storage_gb');

const PlanBody = z.object({
  name: z.string().min(1).max(100),
  limits: z.record(LimitKey, LimitIn).default({}),
  allowances: z.record(LimitKey, LimitIn).default({}),
});

export const PlanOut = z.object({
  name: z.string().nullable(),
  limits: z.record(z.string(), z.string()),
  allowances: z.record(z.string(), z.string()),
  updated_at: z.string().nullable(),
});

export const PlanUsageOut = z.object({
  plan: z.string().nullable(),
  data: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      used: z.string(),
      limit: z.string().nullable(),
      remaining: z.string().nullable(),
      unlimited: z.boolean(),
      unit: z.string(),
      pct: z.number().nullable(),
    }),
  ),
});

export const planRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'PUT',
    path: '/v1/orgs/:org/plan',
    capability: 'plan.write',
    schema: { tags: ['plan'], params: OrgParams, body: PlanBody, response: { 200: PlanOut } },
    handler: async (request) => {
      return putPlan({ ctx, orgId: request.params.org, input: request.body });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/plan',
    capability: 'plan.read',
    schema: { tags: ['plan'], params: OrgParams, response: { 200: PlanOut } },
    handler: async (request) => {
      return getPlan({ ctx, orgId: request.params.org });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/plan/usage',
    capability: 'plan.read',
    schema: { tags: ['plan'], params: OrgParams, response: { 200: PlanUsageOut } },
    handler: async (request) => {
      return planUsage({ ctx, orgId: request.params.org });
    },
  });
};
