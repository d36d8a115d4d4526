import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows, type Q } from '../../db/client.js';
import { meters, orgMeters } from '../../db/schema/index.js';
import { formatMicro } from '../../domain/money.js';
import type { Aggregation, MeterPrice, PriceCurrency } from '../../domain/rating.js';
import { lockOrg } from '../orgs/index.js';

export interface MeterInput {
  name: string;
  unit: string;
  category: string;
  aggregation: Aggregation;
  unitPrice: bigint;
  priceCurrency: PriceCurrency;
  resourceClassPrices?: Record<string, bigint> | undefined;
  valuePath?: string | null | undefined;
}

export interface Meter extends MeterPrice {
  key: string;
  valuePath: string | null;
  name: string;
  unit: string;
  category: string;
  scope: 'platform' | 'org';
}

interface MeterRow {
  key: string;
  name: string;
  unit: string;
  category: string;
  aggregation: Aggregation;
  unitPrice: bigint;
  priceCurrency: PriceCurrency;
  resourceClassPrices: Record<string, string>;
  valuePath: string | null;
  scope: 'platform' | 'org';
}

function toMeter(row: MeterRow): Meter {
  return {
    ...row,
    unitPrice: BigInt(row.unitPrice),
    resourceClassPrices: Object.fromEntries(Object.entries(row.resourceClassPrices).map(([k, v]) => [k, BigInt(v)])),
  };
}

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

const COLUMNS = sql`key, name, unit, category, aggregation, unit_price as "unitPrice", price_currency as "priceCurrency",
  resource_class_prices as "resourceClassPrices", value_path as "valuePath"`;

/** The meters an organization rates with: its own overrides, else the platform's. */
export async function effectiveMeters(q: Q, orgId: string): Promise<Map<string, Meter>> {
  const found = await rows<MeterRow>(
    q,
    sql`select ${COLUMNS}, 'org' as scope from org_meters where org_id = ${orgId}
        union all
        select ${COLUMNS}, 'platform' as scope from meters m
        where not exists (select 1 from org_meters o where o.org_id = ${orgId} and o.key = m.key)`,
  );
  return new Map(found.map((r) => [r.key, toMeter(r)]));
}

export async function listPlatformMeters({ ctx }: { ctx: AppContext }): Promise<Meter[]> {
  const found = await ctx.db.read((q) => rows<MeterRow>(q, sql`select ${COLUMNS}, 'platform' as scope from meters order by key`));
  return found.map(toMeter);
}

export async function listOrgMeters({ ctx, orgId }: { ctx: AppContext; orgId: string }): Promise<Meter[]> {
  const found = await ctx.db.read((q) => effectiveMeters(q, orgId));
  return [...found.values()].sort((a, b) => a.key.localeCompare(b.key));
}

function values(key: string, input: MeterInput, now: Date) {
  return {
    key,
    name: input.name,
    unit: input.unit,
    category: input.category,
    aggregation: input.aggregation,
    unitPrice: input.unitPrice,
    priceCurrency: input.priceCurrency,
    resourceClassPrices: Object.fromEntries(
      Object.entries(input.resourceClassPrices ?? {}).map(([k, v]) => [k, v.toString()]),
    ),
    valuePath: input.valuePath ?? null,
    updatedAt: now,
  };
}

export async function putPlatformMeter({ ctx, key, input }: { ctx: AppContext; key: string; input: MeterInput }) {
  const row = values(key, input, ctx.clock.now());
  await ctx.db.transaction((tx) => tx.insert(meters).values(row).onConflictDoUpdate({ target: meters.key, set: row }));
  return meterView({ ...input, key, scope: 'platform', resourceClassPrices: input.resourceClassPrices ?? {}, valuePath: input.valuePath ?? null });
}

export async function putOrgMeter(args: { ctx: AppContext; orgId: string; key: string; input: MeterInput }) {
  const { ctx, orgId, key, input } = args;
  const row = { orgId, ...values(key, input, ctx.clock.now()) };
  await ctx.db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    await tx.insert(orgMeters).values(row).onConflictDoUpdate({ target: [orgMeters.orgId, orgMeters.key], set: row });
  });
  return meterView({ ...input, key, scope: 'org', resourceClassPrices: input.resourceClassPrices ?? {}, valuePath: input.valuePath ?? null });
}
