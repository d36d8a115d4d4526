import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { enqueue } from '../outbox/enqueue.js';
import { configureDelivery, type DeliveryOptions } from '../outbox/settings.js';
import { evaluateAutoRecharge } from '../purchases/autorecharge.js';
import { configurePayments, manualProvider, type PaymentProvider } from '../purchases/provider.js';
import { balanceInTx, type BalanceNow } from './balance.js';
import { notifyDepletedGrants } from './depletion.js';
import { evaluateAlerts } from './service.js';

export interface NotificationOptions extends DeliveryOptions {
  paymentProvider?: PaymentProvider | undefined;
}

/**
 * Wires SPEC §3.11 into the ledger's in-transaction hooks: every domain
 * event goes to the outbox; every balance change evaluates the low-credit
 * thresholds, grant depletion and auto-recharge in the same transaction.
 */
export function installNotifications(ctx: AppContext, opts: NotificationOptions): void {
  configureDelivery(ctx, opts);
  configurePayments(ctx, opts.paymentProvider ?? manualProvider);
  ctx.hooks.domainEvent.push(async ({ tx, orgId, now, type, data }) => {
    await enqueue(tx, { orgId, type, now, data: { org_id: orgId, ...data } });
  });
  // What the caller knows spares reads: no thresholds, no block emptied, auto-recharge off.
  ctx.hooks.balanceChanged.push(async ({ tx, now, orgs }) => {
    for (const { org, known, emptiedBlock } of orgs) {
      const balance = lazyBalance(tx, org.id, now);
      if (known?.alerting !== false) await evaluateAlerts(tx, org, now, balance);
      if (emptiedBlock !== false) await notifyDepletedGrants(tx, org.id, now);
      if (known?.autoRecharge !== false) await evaluateAutoRecharge(ctx, tx, org, now, async () => (await balance()).available);
    }
  });
}

/** The balance is read at most once per transaction, and only when a threshold or auto-recharge needs it. */
function lazyBalance(tx: Q, orgId: string, now: Date): () => Promise<BalanceNow> {
  let read: Promise<BalanceNow> | undefined;
  return () => (read ??= balanceInTx(tx, orgId, now));
}
