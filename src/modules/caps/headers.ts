import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import type { BalanceSummary } from '../../domain/balance.js';
import { memberOwnLeft } from '../../domain/allocations.js';
import { formatMicro } from '../../domain/money.js';
import { type BudgetState, cycleRemaining, figuresOf, groupOf, memberBudget } from '../allocations/index.js';
import type { AdmissionSubject, Preloaded } from '../ledger/index.js';
import type { OrgRow } from '../orgs/index.js';

/** Large enough that every admission hook with a limit reports what is left under it. */
const PROBE = 2n ** 62n;

export interface TightestLimit {
  remaining: bigint;
  /** member, group, cycle, balance, plan or cap:<id> */
  binding: string;
}

/** Whom a response's limit headers are for. */
export interface LimitsFor {
  memberId: string | null;
  subject: AdmissionSubject;
}

/**
 * The tightest remaining figure across every limit that applies to a call for
 * `memberId` with `subject` (SPEC §3.16 headers): the member's own allocation
 * (`member`) or, for a pooled member, their share plus the pool (`group`),
 * the account cycle (`cycle`), the available balance unless overage is
 * allowed (`balance`, or the credit that may pay for the subject's meter),
 * and every admission hook (plan limits, block caps). Null when nothing
 * limits the call. Ties go to the first in that order.
 *
 * Decided on figures the caller already read (issue 10): the same state
 * admission decided on, so the headers cost no read of their own.
 */
export async function tightestLimit(
  ctx: AppContext,
  q: Q,
  at: { org: OrgRow; state: BudgetState; summary: BalanceSummary; preloaded: Preloaded; now: Date },
  { memberId, subject }: LimitsFor,
): Promise<TightestLimit | null> {
  const { org, state, summary } = at;
  const candidates: TightestLimit[] = [];
  const member = memberId === null ? undefined : state.members.find((m) => m.id === memberId);
  if (member) {
    const budget = memberBudget(state, member);
    if (budget.monthly !== null) candidates.push({ binding: 'member', remaining: memberOwnLeft(budget) });
    else candidates.push({ binding: 'group', remaining: memberOwnLeft(budget) + maxZero(figuresOf(state, groupOf(state, member.groupId)).available) });
  }
  const cycle = cycleRemaining(state);
  if (cycle !== null) candidates.push({ binding: 'cycle', remaining: cycle });
  if (org.overage !== 'allow') candidates.push({ binding: 'balance', remaining: summary.available });
  for (const hook of ctx.hooks.admission) {
    const r = await hook({ tx: q, org, now: at.now, memberId: member ? member.id : null, amount: PROBE, held: summary.held, subject, preloaded: at.preloaded });
    if (r && r.remaining !== null) candidates.push({ binding: r.limit, remaining: r.remaining });
  }
  let best: TightestLimit | null = null;
  for (const c of candidates) if (best === null || c.remaining < best.remaining) best = c;
  return best && { binding: best.binding, remaining: maxZero(best.remaining) };
}

const maxZero = (v: bigint) => (v > 0n ? v : 0n);

/** Sets Tally-Credits-Remaining and Tally-Limit-Binding on a response of check, hold, capture or single-event ingest. */
export function setLimitHeaders(reply: FastifyReply, t: TightestLimit | null | undefined): void {
  if (!t) return;
  reply.header('Tally-Credits-Remaining', formatMicro(t.remaining));
  reply.header('Tally-Limit-Binding', t.binding);
}
