import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, dateOrNull, int, mapFirst, mapRows, text, type DbRow } from '../../db/rows.js';

export type Dimension = 'category' | 'meter' | 'project' | 'user' | 'resource_class';

export interface DimensionRow {
  meter: string;
  key: string;
  events: number;
  quantity: bigint;
  credits: bigint;
}

function toDimensionRow(r: DbRow): DimensionRow {
  return { meter: text(r.meter), key: text(r.key), events: int(r.events), quantity: big(r.quantity), credits: big(r.credits) };
}

const DIMENSION_COLUMN: Record<Dimension, ReturnType<typeof sql>> = {
  category: sql`''`,
  meter: sql`''`,
  project: sql`project`,
  user: sql`user_id`,
  resource_class: sql`resource_class`,
};

/**
 * A period's usage per meter and dimension value. Per meter (and category) the
 * hourly rollup is enough and much smaller (hours × meters); project, user and
 * resource class come from the daily rollup.
 */
export async function usageByDimension(
  q: Q,
  orgId: string,
  by: Dimension,
  period: { fromDay: string; toDay: string; startsAt: Date; endsAt: Date },
  users?: string[],
): Promise<DimensionRow[]> {
  // A manager's scope (only these users) needs the user dimension, which only the daily rollup has.
  const scoped = users === undefined ? sql`` : sql`and user_id = any(${sql.param(users)}::text[])`;
  const column = users !== undefined && (by === 'meter' || by === 'category') ? sql`''` : DIMENSION_COLUMN[by];
  return mapRows(
    q,
    users === undefined && (by === 'meter' || by === 'category')
      ? sql`select meter, '' as key, sum(events)::bigint as events, sum(quantity)::bigint as quantity, sum(credits)::bigint as credits
          from usage_hourly where org_id = ${orgId} and hour >= ${period.startsAt.toISOString()}::timestamptz
            and hour < ${period.endsAt.toISOString()}::timestamptz
          group by 1`
      : sql`select meter, ${column} as key, sum(events)::bigint as events, sum(quantity)::bigint as quantity,
            sum(credits)::bigint as credits
          from usage_daily where org_id = ${orgId} and day >= ${period.fromDay}::date and day < ${period.toDay}::date ${scoped}
          group by 1, 2`,
    toDimensionRow,
  );
}

export interface SeriesRow {
  meter: string;
  t: string;
  events: number;
  quantity: bigint;
  maxQuantity: bigint;
  credits: bigint;
}

function toSeriesRow(r: DbRow): SeriesRow {
  return {
    meter: text(r.meter),
    t: text(r.t),
    events: int(r.events),
    quantity: big(r.quantity),
    maxQuantity: big(r.maxQuantity),
    credits: big(r.credits),
  };
}

/** Hourly rollup rows in [from, to), bucketed by local day or kept per hour. */
export async function usageSeries(
  q: Q,
  args: { orgId: string; zone: string; from: Date; to: Date; granularity: 'day' | 'hour'; meter?: string | undefined; users?: string[] | undefined },
): Promise<SeriesRow[]> {
  const bucket = args.granularity === 'day' ? sql`(hour at time zone ${args.zone})::date::text` : sql`to_char(hour at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
  // A manager's scope (only these users): the hourly rollup has no user, so the series is summed from their events.
  const hourOf = sql`date_trunc('hour', timestamp)`;
  const eventBucket = args.granularity === 'day' ? sql`(${hourOf} at time zone ${args.zone})::date::text` : sql`to_char(${hourOf} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
  return mapRows(
    q,
    args.users !== undefined
      ? sql`select meter, ${eventBucket} as t, count(*)::bigint as events, sum(quantity)::bigint as quantity,
              max(quantity)::bigint as "maxQuantity", sum(cost_credits)::bigint as credits
            from events
            where org_id = ${args.orgId} and timestamp >= ${args.from.toISOString()}::timestamptz and timestamp < ${args.to.toISOString()}::timestamptz
              and user_id = any(${sql.param(args.users)}::text[])
              ${args.meter === undefined ? sql`` : sql`and meter = ${args.meter}`}
            group by 1, 2`
      : sql`select meter, ${bucket} as t, sum(events)::bigint as events, sum(quantity)::bigint as quantity,
          max(max_quantity)::bigint as "maxQuantity", sum(credits)::bigint as credits
        from usage_hourly
        where org_id = ${args.orgId} and hour >= ${args.from.toISOString()}::timestamptz and hour < ${args.to.toISOString()}::timestamptz
          ${args.meter === undefined ? sql`` : sql`and meter = ${args.meter}`}
        group by 1, 2`,
    toSeriesRow,
  );
}

export interface IncludedBlock {
  amount: bigint;
  remaining: bigint;
  expiredAmount: bigint;
  expiresAt: Date | null;
}

function toIncludedBlock(r: DbRow): IncludedBlock {
  return { amount: big(r.amount), remaining: big(r.remaining), expiredAmount: big(r.expiredAmount), expiresAt: dateOrNull(r.expiresAt) };
}

/**
 * Blocks of included grants that belong to the period [from, to), not voided.
 * A block belongs to the one period that contains its start, in the
 * organization's time zone (from/to are the local period bounds): last
 * month's grant that expires an hour into this month (a UTC-aligned expiry
 * seen from Amsterdam) is last month's, never counted twice.
 */
export async function includedBlocks(q: Q, orgId: string, from: Date, to: Date, now: Date): Promise<IncludedBlock[]> {
  return mapRows(
    q,
    sql`select b.amount, b.remaining, b.expired_amount as "expiredAmount", b.expires_at as "expiresAt"
        from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
        where b.org_id = ${orgId} and g.source = 'included' and g.voided_at is null and not g.pending_payment
          and b.starts_at >= ${from.toISOString()}::timestamptz and b.starts_at < ${to.toISOString()}::timestamptz
          and b.starts_at <= ${now.toISOString()}::timestamptz`,
    toIncludedBlock,
  );
}

/** The highest reading of a gauge meter in the most recent hour that has one. */
export async function latestGauge(q: Q, orgId: string, meter: string): Promise<bigint | null> {
  const value = await mapFirst(
    q,
    sql`select max_quantity as value from usage_hourly where org_id = ${orgId} and meter = ${meter} order by hour desc limit 1`,
    (r) => big(r.value),
  );
  return value ?? null;
}

/** Each gauge meter's reading in the last hour before `before` that has one (the level carried into a range). */
export async function gaugesBefore(q: Q, orgId: string, meters: string[], before: Date): Promise<Map<string, bigint>> {
  if (meters.length === 0) return new Map();
  const found = await mapRows(
    q,
    sql`select distinct on (meter) meter, max_quantity as value from usage_hourly
        where org_id = ${orgId} and meter = any(${sql.param(meters)}::text[]) and hour < ${before.toISOString()}::timestamptz
        order by meter, hour desc`,
    (r) => ({ meter: text(r.meter), value: big(r.value) }),
  );
  return new Map(found.map((r) => [r.meter, r.value]));
}

export interface MeterUsageRow {
  meter: string;
  events: bigint;
  quantity: bigint;
}

function toMeterUsageRow(r: DbRow): MeterUsageRow {
  return { meter: text(r.meter), events: big(r.events), quantity: big(r.quantity) };
}

/** Usage per meter in [from, to) from the hourly rollup. */
export async function usageByMeter(q: Q, orgId: string, from: Date, to: Date): Promise<MeterUsageRow[]> {
  return mapRows(
    q,
    sql`select meter, sum(events)::bigint as events, sum(quantity)::bigint as quantity from usage_hourly
        where org_id = ${orgId} and hour >= ${from.toISOString()}::timestamptz and hour < ${to.toISOString()}::timestamptz
        group by meter`,
    toMeterUsageRow,
  );
}
