import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, json, mapRows, text, textOf, textOrNull, type DbRow } from '../../db/rows.js';
import { meters, orgMeters } from '../../db/schema/index.js';
import type { Aggregation, MeterPrice, PriceCurrency } from '../../domain/rating.js';

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

function toMeter(r: DbRow): Meter {
  return {
    key: text(r.key),
    name: text(r.name),
    unit: text(r.unit),
    category: text(r.category),
    aggregation: textOf<Aggregation>(r.aggregation),
    unitPrice: big(r.unitPrice),
    priceCurrency: textOf<PriceCurrency>(r.priceCurrency),
    resourceClassPrices: Object.fromEntries(Object.entries(json<Record<string, string>>(r.resourceClassPrices)).map(([k, v]) => [k, big(v)])),
    valuePath: textOrNull(r.valuePath),
    scope: textOf<Meter['scope']>(r.scope),
  };
}

const COLUMNS = sql`key, name, unit, category, aggregation, unit_price as "unitPrice", price_currency as "priceCurrency",
  resource_class_prices as "resourceClassPrices", value_path as "valuePath"`;

/** The meters an organization rates with: its own overrides, else the platform's. */
export async function findEffectiveMeters(q: Q, orgId: string): Promise<Meter[]> {
  return mapRows(
    q,
    sql`select ${COLUMNS}, 'org' as scope from org_meters where org_id = ${orgId}
        union all
        select ${COLUMNS}, 'platform' as scope from meters m
        where not exists (select 1 from org_meters o where o.org_id = ${orgId} and o.key = m.key)`,
    toMeter,
  );
}

export async function findPlatformMeters(q: Q): Promise<Meter[]> {
  return mapRows(q, sql`select ${COLUMNS}, 'platform' as scope from meters order by key`, toMeter);
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

export async function upsertPlatformMeter(tx: Q, key: string, input: MeterInput, now: Date): Promise<void> {
  const row = values(key, input, now);
  await tx.insert(meters).values(row).onConflictDoUpdate({ target: meters.key, set: row });
}

export async function upsertOrgMeter(tx: Q, orgId: string, key: string, input: MeterInput, now: Date): Promise<void> {
  const row = { orgId, ...values(key, input, now) };
  await tx.insert(orgMeters).values(row).onConflictDoUpdate({ target: [orgMeters.orgId, orgMeters.key], set: row });
}
