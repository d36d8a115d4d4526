/**
 * Overage settlement (SPEC §3.3): usage no block could pay is owed to the
 * `overage` account and repaid first from credit that becomes available:
 * a grant booked, a payment arrived, a block started (jobs/block-start.ts).
 * The draw itself is `repayOverage` (ledger/blocks.ts, the domain draw-down).
 */
import type { Q } from '../../db/client.js';
import { bookingTime } from '../../domain/time.js';
import { accountBalance, LedgerBatch, loadSpendableBlocks, repayOverage } from '../ledger/index.js';
import type { OrgRow } from '../orgs/index.js';

/** Repays outstanding overage from whatever active credit exists now. */
export async function settleOverage(tx: Q, org: OrgRow, now: Date, actor: string | null): Promise<bigint> {
  const owed = -(await accountBalance(tx, org.id, 'overage'));
  if (owed <= 0n) return 0n;
  const spendable = await loadSpendableBlocks(tx, org.id, now);
  const batch = new LedgerBatch(org.id, now);
  const repaid = repayOverage(batch, owed, spendable, now, bookingTime(now, now, org.timezone), actor);
  await batch.flush(tx);
  return repaid;
}
