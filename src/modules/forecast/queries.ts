import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import type { ForecastBlock, ForecastRecharge } from '../../domain/forecast.js';

/**
 * The blocks that can still pay for usage: paid for, not voided, not yet
 * expired by the ledger, with credit left (or not started yet).
 */
export async function projectableBlocks(q: Q, orgId: string, now: Date): Promise<ForecastBlock[]> {
  const found = await rows<{
    id: string;
    grantId: string;
    source: ForecastBlock['source'];
    priority: number;
    startsAt: Date;
    expiresAt: Date | null;
    seq: string;
    remaining: string;
  }>(
    q,
    sql`select b.id, b.grant_id as "grantId", g.source, g.priority, b.starts_at as "startsAt", b.expires_at as "expiresAt",
          b.seq::text as seq, b.remaining::text as remaining
        from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
        where b.org_id = ${orgId} and g.voided_at is null and not g.pending_payment and b.expiry_booked_at is null
          and b.remaining > 0 and (b.expires_at is null or b.expires_at > ${now.toISOString()}::timestamptz)
        order by b.seq`,
  );
  return found.map((b) => ({
    ...b,
    startsAt: new Date(b.startsAt),
    expiresAt: b.expiresAt === null ? null : new Date(b.expiresAt),
    seq: BigInt(b.seq),
    remaining: BigInt(b.remaining),
  }));
}

/** Auto-recharge as the forecast needs it; null when off. */
export async function rechargeRule(q: Q, orgId: string, monthStart: Date): Promise<ForecastRecharge | null> {
  const [row] = await rows<{ enabled: boolean; threshold: string; amount: string; maxPerMonth: number; started: number }>(
    q,
    sql`select a.enabled, a.threshold::text as threshold, a.amount::text as amount, a.max_per_month as "maxPerMonth",
          (select count(*)::int from purchases p where p.org_id = a.org_id and p.origin = 'auto_recharge' and p.status <> 'failed'
             and p.created_at >= ${monthStart.toISOString()}::timestamptz) as started
        from auto_recharge a where a.org_id = ${orgId}`,
  );
  if (!row?.enabled) return null;
  return { threshold: BigInt(row.threshold), amount: BigInt(row.amount), maxPerMonth: row.maxPerMonth, startedThisMonth: Number(row.started) };
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
  const found = await rows<{ day: string; credits: string }>(
    q,
    sql`select day::text as day, sum(credits)::text as credits from usage_daily
        where org_id = ${orgId} and day >= ${fromDay}::date and day <= ${toDay}::date
          ${userIds === null ? sql`` : sql`and user_id = any(${sql.param(userIds)}::text[])`}
        group by day`,
  );
  return new Map(found.map((r) => [r.day, BigInt(r.credits)]));
}
