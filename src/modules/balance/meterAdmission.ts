import type { Q } from '../../db/client.js';
import { blockApplies, type AppliesTo } from '../../domain/appliesTo.js';
import type { BlockState } from '../../domain/balance.js';
import { creditsText } from '../../domain/display.js';
import { grantScopes } from '../grants/index.js';
import type { LedgerHooks } from '../ledger/index.js';
import { effectiveMeters } from '../meters/index.js';
import { spendableAt } from './scoped.js';
import { balanceNow } from './service.js';

/**
 * What may pay for usage of one meter now: the credit of blocks that apply
 * to it (unscoped ones and those scoped to the meter or its category) less
 * open holds, which reserve against any credit.
 */
export async function availableForMeter(q: Q, orgId: string, meter: { key: string; category: string }, now: Date): Promise<bigint> {
  const { blocks, summary } = await balanceNow(q, orgId, now);
  const scopes = await grantScopes(q, orgId);
  return meterCredit(blocks, scopes, meter, now) - summary.held;
}

/** The credit of the blocks that may pay for `meter` at `now` (before holds). */
export function meterCredit(blocks: BlockState[], scopes: Map<string, AppliesTo>, meter: { key: string; category: string }, now: Date): bigint {
  let credit = 0n;
  for (const b of spendableAt(blocks, now)) if (blockApplies(scopes.get(b.grantId) ?? null, meter)) credit += b.balance;
  return credit;
}

/**
 * ctx.hooks.admission: a `check` or `hold` that names its meter counts only
 * the credit that could pay for it (SPEC §3.16). Without a meter, the
 * balance limit is `available` as before. Overage allowed: no balance limit.
 */
export const meterBalanceAdmission: LedgerHooks['admission'][number] = async ({ tx, org, now, amount, held, subject, preloaded }) => {
  if (!subject?.meter || org.overage === 'allow') return null;
  const meter = (preloaded ? preloaded.meters : await effectiveMeters(tx, org.id)).get(subject.meter);
  if (!meter) return null;
  const wanted = { key: subject.meter, category: meter.category };
  const available = preloaded ? meterCredit(preloaded.blocks, preloaded.scopes, wanted, now) - held : await availableForMeter(tx, org.id, wanted, now);
  const remaining = available > 0n ? available : 0n;
  if (amount <= remaining) return null;
  return {
    limit: 'balance',
    remaining,
    message: `${creditsText(amount)} credits exceed the credits that may pay for meter "${subject.meter}" (${creditsText(remaining)} available to it).`,
  };
};
