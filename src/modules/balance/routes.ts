import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { AmountOut, Instant, OrgParams } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { getBalance } from './service.js';

export const BalanceOut = z.object({
  available: AmountOut,
  included: AmountOut,
  purchased: AmountOut,
  promotional: AmountOut,
  adjustment: AmountOut,
  pending: AmountOut,
  held: AmountOut,
  spent: AmountOut,
  total_granted: AmountOut,
  overage: AmountOut,
  /** the part of `available` only some usage may spend (grants with applies_to, SPEC §3.16) */
  scoped: z.array(z.object({ applies_to: z.object({ meters: z.array(z.string()).optional(), categories: z.array(z.string()).optional() }), available: AmountOut })),
  as_of: z.string(),
});

export const balanceRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/balance',
    capability: 'balance.read',
    schema: {
      tags: ['balance'],
      params: OrgParams,
      querystring: z.object({ at: Instant.optional() }),
      response: { 200: BalanceOut },
    },
    handler: async (request) => {
      return getBalance({ ctx, orgId: request.params.org, at: request.query.at });
    },
  });
};
