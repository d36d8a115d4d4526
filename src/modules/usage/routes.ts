import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { AmountOut, OrgParams } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { includedUsage, usageBreakdown, usageSeriesFor } from './service.js';

export const BreakdownOut = z.object({
  period: z.string(),
  by: z.string(),
  total_credits: AmountOut,
  data: z.array(
    z.object({
      key: z.string().nullable(),
      label: z.string(),
      credits: AmountOut,
      share: z.number().meta({ description: 'fraction of the period credits, 4 decimals' }),
      count: z.string(),
      count_unit: z.string(),
    }),
  ),
});

export const SeriesOut = z.object({
  granularity: z.enum(['day', 'hour']),
  from: z.string(),
  to: z.string(),
  time_zone: z.string(),
  series: z.array(
    z.object({
      meter: z.string(),
      name: z.string(),
      unit: z.string(),
      aggregation: z.string(),
      total_credits: AmountOut,
      points: z.array(z.object({ t: z.string(), credits: AmountOut, quantity: AmountOut, events: z.number() })),
    }),
  ),
});

export const IncludedOut = z.object({
  period: z.string(),
  granted: AmountOut,
  used: AmountOut,
  remaining: AmountOut,
  pct_used: z.number(),
  days_left: z.number(),
  period_ends_at: z.string(),
});

const Bool = z.enum(['true', 'false']).default('false').transform((v) => v === 'true');

export const usageRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/usage/breakdown',
    capability: 'usage.read',
    schema: {
      tags: ['usage'],
      params: OrgParams,
      querystring: z.object({
        period: z.string().max(20).default('current'),
        by: z.enum(['category', 'meter', 'project', 'user', 'resource_class']).default('category'),
      }),
      response: { 200: BreakdownOut },
    },
    handler: async (request) => {
      return usageBreakdown({ ctx, actor: request.actor, orgId: request.params.org, period: request.query.period, by: request.query.by });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/usage/series',
    capability: 'usage.read',
    schema: {
      tags: ['usage'],
      params: OrgParams,
      querystring: z.object({
        from: z.string().max(40).optional(),
        to: z.string().max(40).optional(),
        granularity: z.enum(['day', 'hour']).default('day'),
        meter: z.string().max(100).optional(),
        include_zero: Bool,
      }),
      response: { 200: SeriesOut },
    },
    handler: async (request) => {
      const { from, to, granularity, meter, include_zero } = request.query;
      return usageSeriesFor({ ctx, actor: request.actor, orgId: request.params.org, from, to, granularity, meter, includeZero: include_zero });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/usage/included',
    capability: 'usage.read',
    schema: { tags: ['usage'], params: OrgParams, response: { 200: IncludedOut } },
    handler: async (request) => {
      return includedUsage({ ctx, orgId: request.params.org });
    },
  });
};
