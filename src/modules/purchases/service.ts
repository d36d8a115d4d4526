import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { newId } from '../../ids.js';
import { formatMicro } from '../../domain/money.js';
import { notFound, TallyError } from '../../errors.js';
import {alertRecipients} from '../alerts/index.js';
import {recordAudit} from '../audit/index.js';
import {insertGrant, releasePendingGrant, voidPendingGrant} from '../grants/index.js';
import {runBalanceChanged} from '../ledger/index.js';
import {enqueue} from '../outbox/index.js';
import { lockOrg, type OrgRow } from '../orgs/index.js';
import {
  clearAutoRechargeInFlight,
  findPurchase,
  findPurchaseByKey,
  findPurchases,
  insertPurchase,
  markAutoRechargeFailed,
  markPurchaseFailed,
  markPurchasePaid,
  purchaseView,
  type PurchaseRow,
  type PurchaseView,
} from './queries.js';

export interface PurchaseInput {
  amount: bigint;
  priceUsd: bigint | null;
  origin: 'manual' | 'auto_recharge';
  /** auto-recharge purchases get `auto:<purchase id>` */
  idempotencyKey: string | null;
}

/** The audit actor of purchases the auto-recharge rule starts (no person or key asked for them). */
export const AUTO_RECHARGE_ACTOR = 'system:auto-recharge';

/**
 * Creates a purchase and its `purchased` grant waiting in `pending_payment`
 * (not spendable), and asks the payment provider for the money. Runs inside
 * a transaction holding the organization lock; auto-recharge calls it too.
 * Writes the `purchase.create` audit entry in that transaction.
 */
export async function startPurchase(ctx: AppContext, tx: Q, org: OrgRow, now: Date, input: PurchaseInput, actor: string) {
  const id = newId('pur', now.getTime());
  const provider = ctx.payments;
  const grantId = await insertGrant(
    tx,
    org,
    {
      name: input.origin === 'auto_recharge' ? 'Auto-recharge' : 'Credit purchase',
      source: 'purchased',
      amount: input.amount,
      pendingPayment: true,
      metadata: { purchase_id: id },
    },
    now,
    actor,
  );
  const { reference } = await provider.start({ orgId: org.id, purchaseId: id, amount: input.amount, priceUsd: input.priceUsd, origin: input.origin });
  const row: PurchaseRow = {
    id,
    grantId,
    amount: input.amount,
    priceUsd: input.priceUsd,
    status: 'pending_payment',
    origin: input.origin,
    provider: provider.name,
    providerRef: reference,
    idempotencyKey: input.idempotencyKey ?? `auto:${id}`,
    failureReason: null,
    createdAt: now,
    paidAt: null,
    failedAt: null,
  };
  await insertPurchase(tx, org.id, row, actor);
  await recordAudit(tx, { orgId: org.id, actor, action: 'purchase.create', target: id, after: purchaseView(row), at: now });
  return row;
}

/** `POST /purchases`: the idempotency key is required; a replay with the same amount and price returns the same purchase. */
export async function createPurchase(args: {
  ctx: AppContext;
  orgId: string;
  actor: string;
  amount: bigint;
  priceUsd: bigint | null;
  idempotencyKey: string;
}): Promise<{ statusCode: 200 | 201; body: PurchaseView }> {
  const { ctx, orgId, actor } = args;
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const seen = await findPurchaseByKey(tx, orgId, args.idempotencyKey);
    if (seen) {
      if (seen.amount !== args.amount || seen.priceUsd !== args.priceUsd || seen.origin !== 'manual') {
        throw new TallyError(
          'idempotency_key_reused',
          `The idempotency key "${args.idempotencyKey}" was already used for a different purchase.`,
        );
      }
      return { statusCode: 200, body: purchaseView(seen) };
    }
    const row = await startPurchase(
      ctx,
      tx,
      org,
      now,
      { amount: args.amount, priceUsd: args.priceUsd, origin: 'manual', idempotencyKey: args.idempotencyKey },
      actor,
    );
    return { statusCode: 201, body: purchaseView(row) };
  });
}

async function pendingPurchase(tx: Q, orgId: string, id: string): Promise<PurchaseRow> {
  const p = await findPurchase(tx, orgId, id);
  if (!p) throw notFound('purchase', id);
  return p;
}

const notPending = (p: PurchaseRow, verb: string): TallyError =>
  new TallyError('purchase_not_pending', `Purchase "${p.id}" is ${p.status === 'paid' ? 'already paid' : 'failed'} and cannot be ${verb}.`);

/**
 * The payment arrived: the grant becomes spendable and repays overage first
 * (SPEC §3.3). Confirming a paid purchase again changes nothing.
 */
export async function confirmPurchase(args: { ctx: AppContext; orgId: string; id: string; actor: string; reference?: string | undefined }) {
  const { ctx, orgId, actor } = args;
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const p = await pendingPurchase(tx, orgId, args.id);
    if (p.status === 'paid') return purchaseView(p);
    if (p.status === 'failed') throw notPending(p, 'confirmed');
    await markPurchasePaid(tx, orgId, p.id, now, args.reference ?? null);
    await clearAutoRechargeInFlight(tx, orgId, p.id);
    const repaid = await releasePendingGrant(tx, org, p.grantId, now, actor);
    const paid: PurchaseRow = { ...p, status: 'paid', paidAt: now, providerRef: args.reference ?? p.providerRef };
    await recordAudit(tx, {
      orgId,
      actor,
      action: 'purchase.confirm',
      target: p.id,
      before: purchaseView(p),
      after: { ...purchaseView(paid), overage_repaid: formatMicro(repaid) },
      at: now,
    });
    await enqueue(tx, {
      orgId,
      type: 'purchase.paid',
      now,
      data: { org_id: orgId, purchase: purchaseView(paid), overage_repaid: formatMicro(repaid) },
    });
    await runBalanceChanged(ctx.hooks, { tx, org, now });
    return purchaseView(paid);
  });
}

/**
 * The payment failed: the purchase is `failed` and its grant is voided (its
 * credit moves to `voided`, so the ledger still shows it was never spendable).
 * A failed auto-recharge notifies and waits for its cooldown.
 */
export async function failPurchase(args: { ctx: AppContext; orgId: string; id: string; actor: string; reason?: string | undefined }) {
  const { ctx, orgId, actor } = args;
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const p = await pendingPurchase(tx, orgId, args.id);
    if (p.status === 'failed') return purchaseView(p);
    if (p.status === 'paid') throw notPending(p, 'failed');
    const reason = args.reason ?? 'payment failed';
    await voidPendingGrant(tx, orgId, p.grantId, now, actor);
    await markPurchaseFailed(tx, orgId, p.id, now, reason);
    const failed: PurchaseRow = { ...p, status: 'failed', failedAt: now, failureReason: reason };
    await recordAudit(tx, { orgId, actor, action: 'purchase.fail', target: p.id, before: purchaseView(p), after: purchaseView(failed), at: now });
    if (p.origin === 'auto_recharge') {
      await markAutoRechargeFailed(tx, orgId, now);
      await enqueue(tx, {
        orgId,
        type: 'auto_recharge.failed',
        now,
        emails: await alertRecipients(tx, orgId),
        data: { org_id: orgId, purchase_id: p.id, amount: formatMicro(p.amount), reason },
      });
    }
    await runBalanceChanged(ctx.hooks, { tx, org, now });
    return purchaseView(failed);
  });
}

export async function listPurchases(args: {
  ctx: AppContext;
  orgId: string;
  status: string | undefined;
  before: string | undefined;
  limit: number;
}) {
  const found = await args.ctx.db.read((q) => findPurchases(q, args.orgId, args.status, args.before, args.limit + 1));
  const data = found.slice(0, args.limit).map(purchaseView);
  return { data, next: found.length > args.limit ? data[data.length - 1]!.id : null };
}

export async function getPurchase({ ctx, orgId, id }: { ctx: AppContext; orgId: string; id: string }) {
  return ctx.db.read(async (q) => purchaseView(await pendingPurchase(q, orgId, id)));
}
