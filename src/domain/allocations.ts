import { maxBig } from './money.js';

/**
 * Budget figures of SPEC §3.7 and the admission decision, as pure functions.
 * `used` is usage booked this cycle; `held` is what open holds reserve. Open
 * holds count like usage for every figure that admission relies on, so a
 * reservation cannot be spent twice.
 *
 * A member with `monthly` set has an individual allocation; one without
 * draws on the group's pool. A pooled member's `extra` (signup credits,
 * approved requests) is theirs alone: it counts as distributed, and only
 * their usage beyond it comes out of the pool. With no extras this is
 * exactly the SPEC formula.
 */
export interface MemberBudget {
  monthly: bigint | null;
  /** extra effective this cycle */
  extra: bigint;
  used: bigint;
  held: bigint;
}

export interface GroupBudget {
  monthlyAllocation: bigint;
  /** extra effective this cycle */
  extra: bigint;
  autoApproveReserve: bigint;
  /** what requests were auto-approved from the reserve this cycle */
  autoApproved: bigint;
}

export interface GroupFigures {
  members: number;
  distributed: bigint;
  used: bigint;
  held: bigint;
  available: bigint;
  autoApproveRemaining: bigint;
}

const isIndividual = (m: MemberBudget): boolean => m.monthly !== null;

export function groupFigures(group: GroupBudget, members: MemberBudget[]): GroupFigures {
  let distributed = 0n;
  let pooledDraw = 0n;
  let used = 0n;
  let held = 0n;
  for (const m of members) {
    used += m.used;
    held += m.held;
    if (isIndividual(m)) {
      distributed += m.monthly! + m.extra;
    } else {
      distributed += m.extra;
      pooledDraw += maxBig(0n, m.used + m.held - m.extra);
    }
  }
  return {
    members: members.length,
    distributed,
    used,
    held,
    available: group.monthlyAllocation + group.extra - distributed - pooledDraw,
    autoApproveRemaining: maxBig(0n, group.autoApproveReserve - group.autoApproved),
  };
}

/** What the member may still spend on their own: the whole of it for an individual allocation. */
export function memberOwnLeft(m: MemberBudget): bigint {
  return isIndividual(m) ? m.monthly! + m.extra - m.used - m.held : maxBig(0n, m.extra - m.used - m.held);
}

/** What the member may still spend this cycle, their own share plus the group pool when pooled. */
export function memberRemaining(m: MemberBudget, groupAvailable: bigint): bigint {
  return isIndividual(m) ? memberOwnLeft(m) : memberOwnLeft(m) + maxBig(0n, groupAvailable);
}

export type LimitName = 'member' | 'group' | 'account_cycle' | 'balance' | 'plan';

export interface AdmissionInput {
  amount: bigint;
  member: MemberBudget;
  groupAvailable: bigint;
  /** account cycle's remaining; null = no account limit */
  cycleRemaining: bigint | null;
  /** organization's available balance; null = overage is allowed, so the balance never binds */
  balanceAvailable: bigint | null;
}

export interface AdmissionDecision {
  allowed: boolean;
  limitedBy: LimitName | null;
}

/** Every limit must cover the amount; the first that does not, in this order, is named. */
export function admit(input: AdmissionInput): AdmissionDecision {
  const { amount, member } = input;
  const own = memberOwnLeft(member);
  if (isIndividual(member)) {
    if (own < amount) return { allowed: false, limitedBy: 'member' };
  } else if (own + maxBig(0n, input.groupAvailable) < amount) {
    return { allowed: false, limitedBy: 'group' };
  }
  if (input.cycleRemaining !== null && input.cycleRemaining < amount) return { allowed: false, limitedBy: 'account_cycle' };
  if (input.balanceAvailable !== null && input.balanceAvailable < amount) return { allowed: false, limitedBy: 'balance' };
  return { allowed: true, limitedBy: null };
}
