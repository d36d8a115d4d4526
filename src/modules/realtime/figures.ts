import type { Q } from '../../db/client.js';
import { normalizeAppliesTo, type AppliesTo } from '../../domain/appliesTo.js';
import { summarizeBalance, type BalanceSummary, type BlockState } from '../../domain/balance.js';
import { addDays, periodDays } from '../../domain/periods.js';
import { localDate, periodContaining } from '../../domain/time.js';
import { type BudgetState, cycleViewOf, defaultSettings } from '../allocations/index.js';
import { heldLessLapsed, toState } from '../balance/index.js';
import type { OrgRow } from '../orgs/index.js';
import type { OrgConfig } from './config.js';
import { findFigures } from './queries.js';

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

export async function loadFigures(q: Q, org: OrgRow, config: OrgConfig, now: Date, withPeriodConsumed: boolean): Promise<Figures> {
  let period: { first: string; toDay: string } | null = null;
  if (withPeriodConsumed) {
    // the open billing period's local days up to today, as computeStatement's `consumed` counts them
    const { first, end } = periodDays(periodContaining(now, org.timezone), org.timezone);
    const tomorrow = addDays(localDate(now, org.timezone), 1);
    period = { first, toDay: tomorrow < end ? tomorrow : end };
  }
  const r = await findFigures(q, org, now, period);
  const scopes = new Map<string, AppliesTo>();
  for (const b of r.blocks) {
    const scope = normalizeAppliesTo(b.appliesTo);
    if (scope) scopes.set(b.grantId, scope);
  }
  const blocks = toState(r.blocks.map(({ appliesTo: _, ...b }) => b));
  const accounts = heldLessLapsed(r.accounts, r.lapsed);
  const settings = config.settings ?? defaultSettings(org);
  const { latest, usage } = r;
  const cycle = cycleViewOf(org, settings, latest, now);
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
      heldBy: r.heldBy,
      autoApproved: r.autoApproved,
    },
    periodConsumed: r.consumed,
    cycleStored: latest !== undefined && cycle === latest,
    lapsedHolds: r.lapsedCount,
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
