import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { NonNegativeAmount, OrgParams } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { VALUE_PATH } from '../events/index.js';
import { listOrgMeters, listPlatformMeters, meterView, putOrgMeter, putPlatformMeter, type MeterInput } from './service.js';

const MeterKey = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be 1–64 lowercase letters, digits, "_", "." or "-"');

const MeterBody = z.object({
  name: z.string().min(1).max(200),
  unit: z.string().min(1).max(50),
  category: z.string().min(1).max(50),
  aggregation: z.enum(['sum', 'count', 'max', 'latest']),
  unit_price: NonNegativeAmount,
  price_currency: z.enum(['credits', 'usd']),
  resource_class_prices: z.record(z.string().min(1).max(100), NonNegativeAmount).optional(),
  value_path: z
    .string()
    .max(200)
    .regex(VALUE_PATH, 'must be a path into the event data such as "$.tokens" or "$.usage.items[0].count"')
    .nullable()
    .optional()
    .meta({ description: 'Where a CloudEvent or Stripe meter event carries the quantity in its data, e.g. "$.tokens".' }),
});

export const MeterOut = z.object({
  key: z.string(),
  name: z.string(),
  unit: z.string(),
  category: z.string(),
  aggregation: z.enum(['sum', 'count', 'max', 'latest']),
  unit_price: z.string(),
  price_currency: z.enum(['credits', 'usd']),
  resource_class_prices: z.record(z.string(), z.string()),
  value_path: z.string().nullable(),
  scope: z.enum(['platform', 'org']),
});

function toInput(b: z.infer<typeof MeterBody>): MeterInput {
  return {
    name: b.name,
    unit: b.unit,
    category: b.category,
    aggregation: b.aggregation,
    unitPrice: b.unit_price,
    priceCurrency: b.price_currency,
    resourceClassPrices: b.resource_class_prices,
    valuePath: b.value_path,
  };
}

export const meterRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'PUT',
    path: '/v1/meters/:key',
    capability: 'platform',
    schema: { tags: ['meters'], params: z.object({ key: MeterKey }), body: MeterBody, response: { 200: MeterOut } },
    handler: async (request) => {
      return putPlatformMeter({ ctx, key: request.params.key, input: toInput(request.body) });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/meters',
    capability: 'self',
    schema: { tags: ['meters'], response: { 200: z.object({ data: z.array(MeterOut) }) } },
    handler: async (request) => {
      const actor = request.actor;
      const found = actor.kind === 'key' ? await listOrgMeters({ ctx, orgId: actor.orgId }) : await listPlatformMeters({ ctx });
      return { data: found.map(meterView) };
    },
  });

  defineRoute(app, {
    method: 'PUT',
    path: '/v1/orgs/:org/meters/:key',
    capability: 'meters.write',
    schema: { tags: ['meters'], params: OrgParams.extend({ key: MeterKey }), body: MeterBody, response: { 200: MeterOut } },
    handler: async (request) => {
      return putOrgMeter({ ctx, orgId: request.params.org, key: request.params.key, input: toInput(request.body) });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/meters',
    capability: 'org.read',
    schema: { tags: ['meters'], params: OrgParams, response: { 200: z.object({ data: z.array(MeterOut) }) } },
    handler: async (request) => {
      return { data: (await listOrgMeters({ ctx, orgId: request.params.org })).map(meterView) };
    },
  });
};
