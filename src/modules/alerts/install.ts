import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import type { LedgerHooks } from '../ledger/index.js';
import { evaluateAutoRecharge } from '../purchases/index.js';
import { balanceInTx, type BalanceNow } from './balance.js';
import { notifyDepletedGrants } from './depletion.js';
import { evaluateAlerts } from './service.js';

/**
 * SPEC §3.11 in the transaction that changed the balance: low-credit
 * thresholds, grant depletion and auto-recharge. Registered by src/wiring.ts.
 */
export function notifyOnBalanceChange(ctx: AppContext): LedgerHooks['balanceChanged'][number] {
  // What the caller knows spares reads: no thresholds, no block emptied, auto-recharge off.
  return async ({ tx, now, orgs }) => {
    for (const { org, known, emptiedBlock } of orgs) {
      const balance = lazyBalance(tx, org.id, now);
      if (known?.alerting !== false) await evaluateAlerts(tx, org, now, balance);
      if (emptiedBlock !== false) await notifyDepletedGrants(tx, org.id, now);
      if (known?.autoRecharge !== false) await evaluateAutoRecharge(ctx, tx, org, now, async () => (await balance()).available);
    }
  };
}

/** The balance is read at most once per transaction, and only when a threshold or auto-recharge needs it. */
function lazyBalance(tx: Q, orgId: string, now: Date): () => Promise<BalanceNow> {
  let read: Promise<BalanceNow> | undefined;
  return () => (read ??= balanceInTx(tx, orgId, now));
}
