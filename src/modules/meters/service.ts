import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { formatMicro } from '../../domain/money.js';
import { lockOrg } from '../orgs/index.js';
import { findEffectiveMeters, findPlatformMeters, upsertOrgMeter, upsertPlatformMeter, type Meter, type MeterInput } from './queries.js';

export type { Meter, MeterInput } from './queries.js';

export function meterView(m: Meter) {
  return {
    key: m.key,
    name: m.name,
    unit: m.unit,
    category: m.category,
    aggregation: m.aggregation,
    unit_price: formatMicro(m.unitPrice),
    price_currency: m.priceCurrency,
    resource_class_prices: Object.fromEntries(Object.entries(m.resourceClassPrices).map(([k, v]) => [k, formatMicro(v)])),
    value_path: m.valuePath,
    scope: m.scope,
  };
}

/** The meters an organization rates with: its own overrides, else the platform's. */
export async function effectiveMeters(q: Q, orgId: string): Promise<Map<string, Meter>> {
  return new Map((await findEffectiveMeters(q, orgId)).map((m) => [m.key, m]));
}

export async function listPlatformMeters({ ctx }: { ctx: AppContext }): Promise<Meter[]> {
  return ctx.db.read((q) => findPlatformMeters(q));
}

export async function listOrgMeters({ ctx, orgId }: { ctx: AppContext; orgId: string }): Promise<Meter[]> {
  const found = await ctx.db.read((q) => effectiveMeters(q, orgId));
  return [...found.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export async function putPlatformMeter({ ctx, key, input }: { ctx: AppContext; key: string; input: MeterInput }) {
  const now = ctx.clock.now();
  await ctx.db.transaction((tx) => upsertPlatformMeter(tx, key, input, now));
  return meterView({ ...input, key, scope: 'platform', resourceClassPrices: input.resourceClassPrices ?? {}, valuePath: input.valuePath ?? null });
}

export async function putOrgMeter(args: { ctx: AppContext; orgId: string; key: string; input: MeterInput }) {
  const { ctx, orgId, key, input } = args;
  const now = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    await upsertOrgMeter(tx, orgId, key, input, now);
  });
  return meterView({ ...input, key, scope: 'org', resourceClassPrices: input.resourceClassPrices ?? {}, valuePath: input.valuePath ?? null });
}
