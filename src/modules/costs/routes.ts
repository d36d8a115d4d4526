import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { AmountOut, OrgParams } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { sendCsv, textCell } from '../exports/index.js';
import { COST_COLUMNS, costCsvRows, getCosts } from './service.js';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)');
const CostQuery = z.object({
  from: Day.optional().meta({ description: 'first local day (default: start of the current period)' }),
  to: Day.optional().meta({ description: 'last local day, inclusive (default: today)' }),
  by: z.enum(['meter', 'project', 'user', 'resource_class']).default('meter'),
  interval: z.enum(['day', 'week', 'month']).default('day'),
});
const Money = z.object({ key: z.string().nullable(), usd: AmountOut, credits: AmountOut });

export const CostsOut = z.object({
  from: z.string(),
  to: z.string(),
  by: z.string(),
  interval: z.string(),
  timezone: z.string(),
  credit_factor: AmountOut,
  conversion: z.string(),
  totals: z.object({ usd: AmountOut, credits: AmountOut }),
  series: z.array(z.object({ t: z.string(), usd: AmountOut, credits: AmountOut, by: z.array(Money) })),
  breakdown: z.array(Money),
  forecast: z.object({
    period: z.string(),
    usd_so_far: AmountOut,
    credits_so_far: AmountOut,
    projected_usd: AmountOut,
    projected_credits: AmountOut,
    basis: z.string(),
  }),
});

/** Cost tracking (reference 003, Finance): owners and billing admins only, like invoices. */
export const costRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/costs',
    capability: 'invoices.read',
    schema: { tags: ['costs'], params: OrgParams, querystring: CostQuery, response: { 200: CostsOut } },
    handler: async (request) => {
      return getCosts({ ctx, orgId: request.params.org, query: request.query });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/costs/export.csv',
    capability: 'invoices.read',
    schema: {
      tags: ['costs'],
      params: OrgParams,
      querystring: CostQuery,
      produces: ['text/csv'],
      response: { 200: z.string().meta({ description: 'text/csv; charset=utf-8' }) },
    },
    handler: async (request, reply) => {
      const { org } = request.params;
      const pages = costCsvRows({ ctx, orgId: org, query: request.query });
      async function* safe(): AsyncGenerator<string[][]> {
        for await (const page of pages) yield page.map(([t, key, usd, credits]) => [t!, textCell(key), usd!, credits!]);
      }
      return sendCsv(reply, `costs-${org}-${request.query.by}-${request.query.interval}.csv`, COST_COLUMNS, safe());
    },
  });
};
