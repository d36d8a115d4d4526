import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bool, date, dateOrNull, int, mapFirst, mapRows, text, textOf, type DbRow } from '../../db/rows.js';
import type { ForecastBlock, ForecastRecharge } from '../../domain/forecast.js';

function toForecastBlock(r: DbRow): ForecastBlock {
  return {
    id: text(r.id),
    grantId: text(r.grantId),
    source: textOf<ForecastBlock['source']>(r.source),
    priority: int(r.priority),
    startsAt: date(r.startsAt),
    expiresAt: dateOrNull(r.expiresAt),
    seq: big(r.seq),
    remaining: big(r.remaining),
  };
}

interface RechargeRuleRow extends ForecastRecharge {
  enabled: boolean;
}

function toRechargeRuleRow(r: DbRow): RechargeRuleRow {
  return {
    enabled: bool(r.enabled),
    threshold: big(r.threshold),
    amount: big(r.amount),
    maxPerMonth: int(r.maxPerMonth),
    startedThisMonth: int(r.started),
  };
}

interface DayCreditsRow {
  day: string;
  credits: bigint;
}

function toDayCreditsRow(r: DbRow): DayCreditsRow {
  return { day: text(r.day), credits: big(r.credits) };
}

/**
 * The blocks that can still pay for usage: paid for, not voided, not yet
 * expired by the ledger, with credit left (or not started yet).
 */
export async function projectableBlocks(q: Q, orgId: string, now: Date): Promise<ForecastBlock[]> {
  return mapRows(
    q,
    sql`select b.id, b.grant_id as "grantId", g.source, g.priority, b.starts_at as "startsAt", b.expires_at as "expiresAt",
          b.seq::text as seq, b.remaining::text as remaining
        from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
        where b.org_id = ${orgId} and g.voided_at is null and not g.pending_payment and b.expiry_booked_at is null
          and b.remaining > 0 and (b.expires_at is null or b.expires_at > ${now.toISOString()}::timestamptz)
        order by b.seq`,
    toForecastBlock,
  );
}

/** Auto-recharge as the forecast needs it; null when off. */
export async function rechargeRule(q: Q, orgId: string, monthStart: Date): Promise<ForecastRecharge | null> {
  const row = await mapFirst(
    q,
    sql`select a.enabled, a.threshold::text as threshold, a.amount::text as amount, a.max_per_month as "maxPerMonth",
          (select count(*)::int from purchases p where p.org_id = a.org_id and p.origin = 'auto_recharge' and p.status <> 'failed'
             and p.created_at >= ${monthStart.toISOString()}::timestamptz) as started
        from auto_recharge a where a.org_id = ${orgId}`,
    toRechargeRuleRow,
  );
  if (!row?.enabled) return null;
  return { threshold: row.threshold, amount: row.amount, maxPerMonth: row.maxPerMonth, startedThisMonth: row.startedThisMonth };
}

/**
 * Credits used per local day in [fromDay, toDay], of the whole organization or
 * of the given members (the event's `user` is the member id).
 */
export async function dailyCredits(
  q: Q,
  orgId: string,
  fromDay: string,
  toDay: string,
  userIds: string[] | null,
): Promise<Map<string, bigint>> {
  const found = await mapRows(
    q,
    sql`select day::text as day, sum(credits)::text as credits from usage_daily
        where org_id = ${orgId} and day >= ${fromDay}::date and day <= ${toDay}::date
          ${userIds === null ? sql`` : sql`and user_id = any(${sql.param(userIds)}::text[])`}
        group by day`,
    toDayCreditsRow,
  );
  return new Map(found.map((r) => [r.day, r.credits]));
}
