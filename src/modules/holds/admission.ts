import type { AppContext } from '../../context.js';
import { creditsText } from '../../domain/display.js';
import type { Q } from '../../db/client.js';
import { admit, type LimitName } from '../../domain/allocations.js';
import { formatMicro } from '../../domain/money.js';
import type { BalanceSummary } from '../../domain/balance.js';
import { balanceNow } from '../balance/index.js';
import { type BudgetState, cycleRemaining, figuresOf, groupOf, memberBudget, remainingOf } from '../allocations/index.js';
import type { MemberRow } from '../members/index.js';
import type { AdmissionSubject, Preloaded } from '../ledger/index.js';

export interface Admission {
  allowed: boolean;
  /** `cap:<id>` when a spend cap refuses (SPEC §3.16) */
  limited_by: LimitName | `cap:${string}` | null;
  remaining: { member: string; group: string; account_cycle: string | null; balance: string };
  message: string | null;
  /** the refusing limit's own figures (a spend cap's id, scope, window, limit, used, remaining) */
  details?: Record<string, unknown> | undefined;
}

const SENTENCES: Record<LimitName, string> = {
  member: "the member's remaining allocation for this cycle",
  group: "the group's available credits",
  account_cycle: "the account's remaining credits for this cycle",
  balance: "the organization's available balance",
  plan: 'the plan limit',
};

/**
 * Admission (SPEC §3.7): the member's remaining, the group's available (for
 * pooled members), the account cycle's remaining, the available balance
 * (unless overage is allowed) and any plan limit registered in
 * ctx.hooks.admission must all cover the amount. Open, unexpired holds count
 * as spent everywhere; an expired hold no longer reserves anything.
 * "Available" and "held" are the balance module's (balanceNow): the figure
 * GET /balance shows is the figure admission and plan limits decide on.
 * `read`: the figures the real-time path read in its one statement
 * (realtime/figures.ts); without it they are read here.
 */
export async function decideAdmission(
  ctx: AppContext,
  q: Q,
  s: BudgetState,
  member: MemberRow,
  amount: bigint,
  now: Date,
  opts: {
    /** figures the caller already read in its one statement (issue 10); absent: read here */
    read?: { balance: BalanceSummary; preloaded: Preloaded } | undefined;
    /** what the call is for (spend caps per project, API key and meter) */
    subject?: AdmissionSubject | undefined;
  } = {},
): Promise<Admission> {
  const { read, subject } = opts;
  const summary = read ? read.balance : (await balanceNow(q, s.org.id, now)).summary;
  const balance = summary.available;
  const groupAvailable = figuresOf(s, groupOf(s, member.groupId)).available;
  const cycle = cycleRemaining(s);
  const remaining = {
    member: formatMicro(remainingOf(s, member)),
    group: formatMicro(groupAvailable),
    account_cycle: cycle === null ? null : formatMicro(cycle),
    balance: formatMicro(balance),
  };
  const decision = admit({
    amount,
    member: memberBudget(s, member),
    groupAvailable,
    cycleRemaining: cycle,
    balanceAvailable: s.org.overage === 'allow' ? null : balance,
  });
  if (!decision.allowed) {
    const limit = decision.limitedBy!;
    return { allowed: false, limited_by: limit, remaining, message: `${creditsText(amount)} credits exceed ${SENTENCES[limit]}.` };
  }
  for (const hook of ctx.hooks.admission) {
    const refused = await hook({
      tx: q,
      org: s.org,
      now,
      memberId: member.id,
      amount,
      held: summary.held,
      subject,
      preloaded: read?.preloaded,
    });
    if (refused) {
      const limitedBy = refused.limit.startsWith('cap:') || refused.limit === 'balance' ? (refused.limit as Admission['limited_by'] & string) : 'plan';
      return { allowed: false, limited_by: limitedBy, remaining, message: refused.message, details: refused.details };
    }
  }
  return { allowed: true, limited_by: null, remaining, message: null };
}
