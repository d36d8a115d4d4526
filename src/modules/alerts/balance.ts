import type { Q } from '../../db/client.js';
import { isActiveAt } from '../../domain/drawdown.js';
import { balanceNow } from '../balance/index.js';

export interface BalanceNow {
  available: bigint;
  /** credits granted under active included grants: the base of percentage thresholds */
  includedGranted: bigint;
}

/**
 * Available credit read inside the caller's transaction (which holds the
 * organization lock), computed by the balance module exactly as the balance
 * endpoint computes it.
 */
export async function balanceInTx(tx: Q, orgId: string, now: Date): Promise<BalanceNow> {
  const { summary, blocks } = await balanceNow(tx, orgId, now);
  let includedGranted = 0n;
  for (const b of blocks) {
    if (b.source === 'included' && !b.pendingPayment && b.voidedAt === null && isActiveAt(b, now)) includedGranted += b.amount;
  }
  return { available: summary.available, includedGranted };
}
