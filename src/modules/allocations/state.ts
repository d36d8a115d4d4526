import type { Q } from '../../db/client.js';
import {
  groupFigures,
  memberRemaining,
  type GroupBudget,
  type GroupFigures,
  type MemberBudget,
} from '../../domain/allocations.js';
import { groupedMicro } from '../../domain/invoice.js';
import { formatMicro, sumBig } from '../../domain/money.js';
import { allocationExceedsBudget, groupNotFound, memberNotFound } from '../../errors.js';
import type { OrgRow } from '../orgs/index.js';
import { currentCycleView, loadSettings } from './cycles.js';
import { findCycleUsage, type CycleRow } from './cycleQueries.js';
import {
  findAutoApproved,
  findGroups,
  findHeldByMember,
  type GroupRow,
  type SettingsRow,
} from './queries.js';
import { findMembers, type MemberRow } from '../members/index.js';

const fmt = formatMicro;

/** Everything the budget figures of one organization depend on, at one instant. */
export interface BudgetState {
  org: OrgRow;
  settings: SettingsRow;
  cycle: CycleRow;
  cycleUsed: bigint;
  groups: GroupRow[];
  members: MemberRow[];
  usage: Map<string, bigint>;
  heldBy: Map<string, bigint>;
  autoApproved: Map<string, bigint>;
}

export async function loadBudgetState(q: Q, org: OrgRow, now: Date, cycle?: CycleRow, loaded?: SettingsRow): Promise<BudgetState> {
  const settings = loaded ?? (await loadSettings(q, org));
  const current = cycle ?? (await currentCycleView(q, org, settings, now));
  // One after another: inside a transaction they share one connection anyway.
  const usage = await findCycleUsage(q, org.id, current.id);
  const groups = await findGroups(q, org.id);
  const members = await findMembers(q, org.id);
  const heldBy = await findHeldByMember(q, org.id, now);
  const autoApproved = await findAutoApproved(q, org.id, current.id);
  return { org, settings, cycle: current, cycleUsed: usage.total, groups, members, usage: usage.byMember, heldBy, autoApproved };
}

/** Extras count for the cycle they were given in only. */
export const effectiveExtra = (row: { extra: bigint; extraCycleId: string | null }, cycle: CycleRow): bigint =>
  row.extraCycleId === cycle.id ? row.extra : 0n;

export function memberBudget(s: BudgetState, m: MemberRow): MemberBudget {
  return { monthly: m.monthly, extra: effectiveExtra(m, s.cycle), used: s.usage.get(m.id) ?? 0n, held: s.heldBy.get(m.id) ?? 0n };
}

export function groupBudget(s: BudgetState, g: GroupRow): GroupBudget {
  return {
    monthlyAllocation: g.monthlyAllocation,
    extra: effectiveExtra(g, s.cycle),
    autoApproveReserve: g.autoApproveReserve,
    autoApproved: s.autoApproved.get(g.id) ?? 0n,
  };
}

export function figuresOf(s: BudgetState, g: GroupRow): GroupFigures {
  return groupFigures(
    groupBudget(s, g),
    s.members.filter((m) => m.groupId === g.id).map((m) => memberBudget(s, m)),
  );
}

export function groupOf(s: BudgetState, groupId: string): GroupRow {
  const g = s.groups.find((x) => x.id === groupId);
  if (!g) throw groupNotFound(groupId);
  return g;
}

export function memberOf(s: BudgetState, memberId: string): MemberRow {
  const m = s.members.find((x) => x.id === memberId);
  if (!m) throw memberNotFound(memberId);
  return m;
}

export function remainingOf(s: BudgetState, m: MemberRow): bigint {
  return memberRemaining(memberBudget(s, m), figuresOf(s, groupOf(s, m.groupId)).available);
}

export const totalHeld = (s: BudgetState): bigint => sumBig(s.heldBy.values());

/** The account cycle's remaining (limit − usage − open holds); null without a limit. */
export function cycleRemaining(s: BudgetState): bigint | null {
  return s.settings.creditsPerCycle === null ? null : s.settings.creditsPerCycle - s.cycleUsed - totalHeld(s);
}

export function withMember(s: BudgetState, m: MemberRow): BudgetState {
  const exists = s.members.some((x) => x.id === m.id);
  return { ...s, members: exists ? s.members.map((x) => (x.id === m.id ? m : x)) : [...s.members, m] };
}

export function withGroup(s: BudgetState, g: GroupRow): BudgetState {
  const exists = s.groups.some((x) => x.id === g.id);
  return { ...s, groups: exists ? s.groups.map((x) => (x.id === g.id ? g : x)) : [...s.groups, g] };
}

/**
 * A save may not turn any available figure negative (SPEC §3.7). A figure
 * that usage already pushed below zero may stay there, as long as the save
 * does not lower it further.
 */
export function assertWithinBudgets(before: BudgetState, after: BudgetState): void {
  for (const g of after.groups) {
    const was = before.groups.find((x) => x.id === g.id);
    const now = figuresOf(after, g).available;
    const prev = was ? figuresOf(before, was).available : 0n;
    if (now < 0n && now < prev) {
      throw allocationExceedsBudget(
        `This would leave group "${g.name}" with ${groupedMicro(now)} credits available; its allocation cannot cover it.`,
        { limit: 'group', group_id: g.id, available: fmt(now) },
      );
    }
  }
  for (const m of after.members) {
    if (m.monthly === null) continue;
    const was = before.members.find((x) => x.id === m.id);
    const now = remainingOf(after, m);
    const prev = was ? remainingOf(before, was) : 0n;
    if (now < 0n && now < prev) {
      throw allocationExceedsBudget(
        `This would leave member "${m.name}" with ${groupedMicro(now)} credits remaining, below what they already used.`,
        { limit: 'member', member_id: m.id, remaining: fmt(now) },
      );
    }
  }
}

