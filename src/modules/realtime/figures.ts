import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import { normalizeAppliesTo, type AppliesTo } from '../../domain/appliesTo.js';
import { summarizeBalance, type BalanceSummary, type BlockState } from '../../domain/balance.js';
import { addDays, periodDays } from '../../domain/periods.js';
import { localDate, periodContaining } from '../../domain/time.js';
import { type BudgetState, cycleViewOf, defaultSettings, toCycleRow } from '../allocations/index.js';
import { heldLessLapsed, type RawBlock, toState } from '../balance/index.js';
import type { OrgRow } from '../orgs/index.js';
import type { OrgConfig } from './config.js';

/**
 * The dynamic figures admission decides on, read in ONE statement (issue 10):
 * the balance (blocks, held, overage, lapsed holds), the current cycle with
 * its usage per member and in total, open holds per member, credits
 * auto-approved per group this cycle, and, when a plan limits credits per
 * period, the credits consumed this period. Everything else comes from the
 * cached configuration.
 */
export interface Figures {
  balance: BalanceSummary;
  /** the blocks the balance was summed from */
  blocks: BlockState[];
  /** each scoped grant's applies_to (SPEC §3.16), by grant id */
  scopes: Map<string, AppliesTo>;
  state: BudgetState;
  /** credits consumed this billing period (the statement's figure); null when not asked for */
  periodConsumed: bigint | null;
  /** whether the current cycle is the latest stored one (else it is still to be rolled over and stored) */
  cycleStored: boolean;
  /** open holds past their expiry, not yet released */
  lapsedHolds: number;
}

const big = (v: unknown): bigint => BigInt(v as string);
type Pair = { k: string; v: string };
const pairs = (text: string | null): Pair[] => (text === null ? [] : (JSON.parse(text) as Pair[]));
const toMap = (text: string | null): Map<string, bigint> => new Map(pairs(text).map((p) => [p.k, big(p.v)]));

interface FigureRow {
  latest: string | null;
  usage: string | null;
  held_by: string | null;
  auto_approved: string | null;
  accounts: string | null;
  lapsed: string;
  lapsed_count: number;
  blocks: string | null;
  consumed: string | null;
}

export async function loadFigures(q: Q, org: OrgRow, config: OrgConfig, now: Date, withPeriodConsumed: boolean): Promise<Figures> {
  const t = now.toISOString();
  const o = org.id;
  let consumed = sql`null::text`;
  if (withPeriodConsumed) {
    // computeStatement's `consumed` for the open period: the folded days plus the entries not folded yet.
    const { first, end } = periodDays(periodContaining(now, org.timezone), org.timezone);
    const tomorrow = addDays(localDate(now, org.timezone), 1);
    const toDay = tomorrow < end ? tomorrow : end;
    consumed = sql`(select coalesce(sum(c), 0)::bigint::text from (
        select consumed as c from ledger_daily where org_id = ${o} and day >= ${first}::date and day < ${toDay}::date
        union all
        select case when to_account = 'consumed' then amount when from_account = 'consumed' then -amount else 0 end
          from ledger_entries where org_id = ${o} and id > (select coalesce(max(last_entry_id), 0) from ledger_fold where org_id = ${o})
            and (occurred_at at time zone ${org.timezone})::date >= ${first}::date
            and (occurred_at at time zone ${org.timezone})::date < ${toDay}::date
      ) x)`;
  }
  const [r] = await rows<FigureRow>(
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
  );
  const raw = r!.blocks === null ? [] : (JSON.parse(r!.blocks) as (RawBlock & { appliesTo: AppliesTo | null })[]);
  const scopes = new Map<string, AppliesTo>();
  for (const b of raw) {
    const scope = normalizeAppliesTo(b.appliesTo);
    if (scope) scopes.set(b.grantId, scope);
  }
  const blocks = toState(raw.map(({ appliesTo: _, ...b }) => b));
  const accounts = heldLessLapsed(toMap(r!.accounts), big(r!.lapsed));
  const settings = config.settings ?? defaultSettings(org);
  const latestRaw = r!.latest === null ? undefined : (JSON.parse(r!.latest) as Record<string, unknown>);
  const latest = latestRaw && toCycleRow(latestRaw);
  const cycle = cycleViewOf(org, settings, latest, now);
  const usage = toMap(r!.usage);
  const cycleUsed = usage.get('') ?? 0n;
  usage.delete('');
  return {
    balance: summarizeBalance(blocks, accounts, now),
    blocks,
    scopes,
    state: {
      org,
      settings,
      cycle,
      cycleUsed,
      groups: config.groups,
      members: config.members,
      usage,
      heldBy: toMap(r!.held_by),
      autoApproved: toMap(r!.auto_approved),
    },
    periodConsumed: r!.consumed === null ? null : big(r!.consumed),
    cycleStored: latest !== undefined && cycle === latest,
    lapsedHolds: Number(r!.lapsed_count),
  };
}


/**
 * Counts a hold decided in memory (issue 10): the member's held, the
 * organization's held and available move as the hold's ledger entry will
 * move them, so the next decision of the group sees it.
 */
export function reserve(f: Figures, memberId: string, amount: bigint): void {
  f.state.heldBy.set(memberId, (f.state.heldBy.get(memberId) ?? 0n) + amount);
  f.balance.held += amount;
  f.balance.available -= amount;
}
