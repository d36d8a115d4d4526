import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, mapRows, text, type DbRow } from '../../db/rows.js';

export type CostDimension = 'meter' | 'project' | 'user' | 'resource_class';
export type CostInterval = 'day' | 'week' | 'month';

const COLUMN: Record<CostDimension, ReturnType<typeof sql>> = {
  meter: sql`meter`,
  project: sql`project`,
  user: sql`user_id`,
  resource_class: sql`resource_class`,
};

// Weeks start on Monday (ISO), months on the 1st, both on the organization's local dates.
const BUCKET: Record<CostInterval, ReturnType<typeof sql>> = {
  day: sql`day`,
  week: sql`date_trunc('week', day)::date`,
  month: sql`date_trunc('month', day)::date`,
};

export interface CostRow {
  bucket: string;
  key: string;
  credits: bigint;
  usd: bigint;
}

function toCostRow(r: DbRow): CostRow {
  return { bucket: text(r.bucket), key: text(r.key), credits: big(r.credits), usd: big(r.usd) };
}

interface DayCostRow {
  day: string;
  usd: bigint;
  credits: bigint;
}

function toDayCostRow(r: DbRow): DayCostRow {
  return { day: text(r.day), usd: big(r.usd), credits: big(r.credits) };
}

/** Usage cost per interval and dimension value over local days [fromDay, toDay]. '' is "none". */
export async function costRows(
  q: Q,
  args: { orgId: string; fromDay: string; toDay: string; by: CostDimension; interval: CostInterval },
): Promise<CostRow[]> {
  return mapRows(
    q,
    sql`select (${BUCKET[args.interval]})::text as bucket, ${COLUMN[args.by]} as key,
          sum(credits)::text as credits, sum(usd)::text as usd
        from usage_daily
        where org_id = ${args.orgId} and day >= ${args.fromDay}::date and day <= ${args.toDay}::date
        group by 1, 2 order by 1, 2`,
    toCostRow,
  );
}

/** USD and credits per local day in [fromDay, toDay]. */
export async function dailyCost(q: Q, orgId: string, fromDay: string, toDay: string): Promise<Map<string, { usd: bigint; credits: bigint }>> {
  const found = await mapRows(
    q,
    sql`select day::text as day, sum(usd)::text as usd, sum(credits)::text as credits from usage_daily
        where org_id = ${orgId} and day >= ${fromDay}::date and day <= ${toDay}::date group by 1`,
    toDayCostRow,
  );
  return new Map(found.map((r) => [r.day, { usd: r.usd, credits: r.credits }]));
}
