import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { idsAfter } from '../../db/ranges.js';
import { big, bigOrNull, bool, int, json, mapFirst, textOrNull, type DbRow } from '../../db/rows.js';
import type { AppliesTo } from '../../domain/appliesTo.js';
import { toCycleRow, type CycleRow } from '../allocations/index.js';
import type { RawBlock } from '../balance/index.js';
import type { OrgRow } from '../orgs/index.js';

interface NotifyFlags {
  alerting: boolean;
  autoRecharge: boolean;
}

function toNotifyFlags(r: DbRow): NotifyFlags {
  return { alerting: bool(r.alerting), autoRecharge: bool(r.autoRecharge) };
}

/** Whether low-credit thresholds exist and auto-recharge is on: the configuration's part of alerts and purchases. */
export async function findNotifyFlags(q: Q, orgId: string): Promise<NotifyFlags> {
  const flags = await mapFirst(
    q,
    sql`select exists (select 1 from alert_thresholds where org_id = ${orgId}) as alerting,
          coalesce((select enabled from auto_recharge where org_id = ${orgId}), false) as "autoRecharge"`,
    toNotifyFlags,
  );
  return flags!;
}

/** A block as the figures' JSON carries it, with its grant's scope. */
export type FigureBlock = RawBlock & { appliesTo: AppliesTo | null };

/** The one row of admission's figures (see figures.ts); per-member and per-group amounts come as maps. */
export interface FigureRow {
  /** the latest stored cycle */
  latest: CycleRow | undefined;
  /** credits used in the current cycle by member ('' is the cycle's total) */
  usage: Map<string, bigint>;
  heldBy: Map<string, bigint>;
  autoApproved: Map<string, bigint>;
  /** the cached `held` and `overage` balances */
  accounts: Map<string, bigint>;
  /** credits of open holds past their expiry, and how many they are */
  lapsed: bigint;
  lapsedCount: number;
  blocks: FigureBlock[];
  /** credits consumed this billing period; null when not asked for */
  consumed: bigint | null;
}

type Pair = { k: string; v: string };

/** A json_agg of {k, v} pairs (amounts as text) as a map; null is no rows. */
function pairMap(value: unknown): Map<string, bigint> {
  const found = textOrNull(value);
  return new Map(found === null ? [] : (JSON.parse(found) as Pair[]).map((p) => [p.k, big(p.v)]));
}

function toFigureRow(r: DbRow): FigureRow {
  const latest = textOrNull(r.latest);
  const blocks = textOrNull(r.blocks);
  return {
    latest: latest === null ? undefined : toCycleRow(JSON.parse(latest) as DbRow),
    usage: pairMap(r.usage),
    heldBy: pairMap(r.held_by),
    autoApproved: pairMap(r.auto_approved),
    accounts: pairMap(r.accounts),
    lapsed: big(r.lapsed),
    lapsedCount: int(r.lapsed_count),
    blocks: blocks === null ? [] : json<FigureBlock[]>(JSON.parse(blocks)),
    consumed: bigOrNull(r.consumed),
  };
}

/**
 * Admission's dynamic figures in ONE statement (issue 10): the latest cycle,
 * the current cycle's usage, open holds per member, credits auto-approved per
 * group this cycle, the held and overage accounts, lapsed holds, every block
 * with its grant, and, when `period` is given, the credits consumed in its
 * local days [first, toDay).
 */
export async function findFigures(q: Q, org: OrgRow, now: Date, period: { first: string; toDay: string } | null): Promise<FigureRow> {
  const t = now.toISOString();
  const o = org.id;
  let consumed = sql`null::text`;
  if (period !== null) {
    // computeStatement's `consumed` for the open period: the folded days plus the entries not folded yet.
    const { first, toDay } = period;
    consumed = sql`(select coalesce(sum(c), 0)::bigint::text from (
        select consumed as c from ledger_daily where org_id = ${o} and day >= ${first}::date and day < ${toDay}::date
        union all
        select case when to_account = 'consumed' then amount when from_account = 'consumed' then -amount else 0 end
          from ledger_entries where org_id = ${o}
            and ${idsAfter(sql`id`, sql`(select coalesce(max(last_entry_id), 0) from ledger_fold where org_id = ${o})`)}
            and (occurred_at at time zone ${org.timezone})::date >= ${first}::date
            and (occurred_at at time zone ${org.timezone})::date < ${toDay}::date
      ) x)`;
  }
  const figures = await mapFirst(
    q,
    sql`with latest as (
          select id, seq, starts_at, ends_at, cadence, credits_per_cycle, closed_at from cycles where org_id = ${o} order by seq desc limit 1
        ), cur as (
          -- currentCycleView's id: the stored cycle when it contains now, else the one to be stored next
          select coalesce(
            (select id from latest where closed_at is null and starts_at <= ${t}::timestamptz and ${t}::timestamptz < ends_at),
            'cyc_' || lpad((coalesce((select seq from latest), 0) + 1)::text, 6, '0')) as id
        )
        select
          (select json_build_object('id', id, 'seq', seq, 'starts_at', starts_at, 'ends_at', ends_at, 'cadence', cadence,
             'credits_per_cycle', credits_per_cycle::text, 'closed_at', closed_at)::text from latest) as latest,
          (select json_agg(json_build_object('k', member_id, 'v', used::text))::text from cycle_usage
             where org_id = ${o} and cycle_id = (select id from cur)) as usage,
          (select json_agg(json_build_object('k', member_id, 'v', held::text))::text from (
             select member_id, sum(amount)::bigint as held from holds
             where org_id = ${o} and status = 'open' and (expires_at is null or expires_at > ${t}::timestamptz) group by member_id) h) as held_by,
          (select json_agg(json_build_object('k', group_id, 'v', total::text))::text from (
             select group_id, sum(approved_amount)::bigint as total from credit_requests
             where org_id = ${o} and cycle_id = (select id from cur) and status = 'auto_approved' group by group_id) a) as auto_approved,
          (select json_agg(json_build_object('k', account, 'v', balance::text))::text from accounts
             where org_id = ${o} and account in ('held', 'overage')) as accounts,
          (select coalesce(sum(amount), 0)::bigint::text from holds
             where org_id = ${o} and status = 'open' and expires_at <= ${t}::timestamptz) as lapsed,
          (select count(*)::int from holds
             where org_id = ${o} and status = 'open' and expires_at <= ${t}::timestamptz) as lapsed_count,
          (select json_agg(json_build_object('id', b.id, 'grantId', b.grant_id, 'source', g.source, 'amount', b.amount::text,
             'startsAt', b.starts_at, 'expiresAt', b.expires_at, 'pendingPayment', g.pending_payment, 'voidedAt', g.voided_at,
             'balance', b.remaining::text, 'used', (b.amount - b.remaining - b.expired_amount)::text,
             'appliesTo', g.applies_to))::text
             from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id where b.org_id = ${o}) as blocks,
          ${consumed} as consumed`,
    toFigureRow,
  );
  return figures!;
}
