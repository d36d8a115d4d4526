import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../context.js';
import { memberOwnLeft } from '../../domain/allocations.js';
import { formatMicro } from '../../domain/money.js';
import { cycleRemaining, figuresOf, groupOf, loadBudgetState, memberBudget } from '../allocations/state.js';
import { balanceNow } from '../balance/service.js';
import type { AdmissionSubject } from '../ledger/hooks.js';
import { findOrg } from '../orgs/queries.js';

/** Large enough that every admission hook with a limit reports what is left under it. */
const PROBE = 2n ** 62n;

export interface TightestLimit {
  remaining: bigint;
  /** member, group, cycle, balance, plan or cap:<id> */
  binding: string;
}

/**
 * The tightest remaining figure across every limit that applies to a call for
 * `memberId` with `subject` (SPEC §3.16 headers): the member's own allocation
 * (`member`) or, for a pooled member, their share plus the pool (`group`),
 * the account cycle (`cycle`), the available balance unless overage is
 * allowed (`balance`, or the credit that may pay for the subject's meter),
 * and every admission hook (plan limits, block caps). Null when nothing
 * limits the call. Ties go to the first in that order.
 */
export async function tightestLimit(ctx: AppContext, orgId: string, memberId: string | null, subject: AdmissionSubject, now: Date): Promise<TightestLimit | null> {
  return ctx.db.read(async (q) => {
    const org = await findOrg(q, orgId);
    if (!org) return null;
    const candidates: TightestLimit[] = [];
    const [{ summary }, state] = [await balanceNow(q, orgId, now), await loadBudgetState(q, org, now)];
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
      const r = await hook({ tx: q, org, now, memberId: member ? member.id : null, amount: PROBE, held: summary.held, subject });
      if (r && r.remaining !== null) candidates.push({ binding: r.limit, remaining: r.remaining });
    }
    let best: TightestLimit | null = null;
    for (const c of candidates) if (best === null || c.remaining < best.remaining) best = c;
    return best && { binding: best.binding, remaining: maxZero(best.remaining) };
  });
}

const maxZero = (v: bigint) => (v > 0n ? v : 0n);

/** Sets Tally-Credits-Remaining and Tally-Limit-Binding on a response of check, hold, capture or single-event ingest. */
export async function setLimitHeaders(
  reply: FastifyReply,
  ctx: AppContext,
  orgId: string,
  memberId: string | null,
  subject: AdmissionSubject,
): Promise<void> {
  const t = await tightestLimit(ctx, orgId, memberId, subject, ctx.clock.now());
  if (!t) return;
  reply.header('Tally-Credits-Remaining', formatMicro(t.remaining));
  reply.header('Tally-Limit-Binding', t.binding);
}
