import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { AmountOut, OrgParams } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { DEFAULT_HORIZON_DAYS, getForecast, parseScope } from './service.js';

const Amount = AmountOut;
const Rate = z.object({ per_day: Amount, days: z.number().int() });

export const ForecastOut = z.object({
  scope: z.string(),
  as_of: z.string(),
  timezone: z.string(),
  horizon_days: z.number().int(),
  starting_balance: Amount.meta({ description: 'available credit (org) or remaining cycle allocation (group, member) now' }),
  burn_rate: z.object({
    last_7_days: Rate,
    last_30_days: Rate,
    pace: z.enum(['7d', '30d']),
    weekday_aware: z.boolean(),
    by_weekday: z.record(z.string(), Amount),
  }),
  days: z.array(
    z.object({
      date: z.string(),
      usage: Amount,
      balance: Amount,
      unpaid: Amount.meta({ description: 'projected usage nothing could pay that day' }),
      started: Amount,
      expired: Amount,
      recharged: Amount,
    }),
  ),
  run_out_date: z.string().nullable(),
  projected_waste: z.object({
    total: Amount,
    blocks: z.array(z.object({ block_id: z.string(), grant_id: z.string(), date: z.string(), amount: Amount })),
  }),
  period: z.object({ key: z.string(), used: Amount, projected_rest: Amount, projected_total: Amount }),
  cycle: z.object({ id: z.string(), ends_at: z.string(), used: Amount, projected_rest: Amount, projected_total: Amount }).nullable(),
  early_renewal: z.object({ renewal_date: z.string(), shortfall: Amount, message: z.string() }).nullable(),
  assumptions: z.array(z.string()),
});

export const forecastRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/forecast',
    capability: 'org.read',
    schema: {
      tags: ['forecast'],
      params: OrgParams,
      querystring: z.object({
        scope: z.string().max(80).default('org').meta({ description: '"org", "group:<id>" or "member:<id>"' }),
        horizon_days: z.coerce.number().int().min(1).max(366).default(DEFAULT_HORIZON_DAYS),
      }),
      response: { 200: ForecastOut },
    },
    handler: async (request) => {
      // Every role may ask; the service narrows what each one reaches.
      const scope = parseScope(request.query.scope);
      return getForecast({ ctx, actor: request.actor, orgId: request.params.org, scope, horizonDays: request.query.horizon_days });
    },
  });
};
