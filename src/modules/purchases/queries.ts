import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bigOrNull, bool, date, dateOrNull, int, mapFirst, mapRows, text, textOf, textOrNull, type DbRow } from '../../db/rows.js';
import { purchases } from '../../db/schema/index.js';
import { formatMicro } from '../../domain/money.js';

export interface PurchaseRow {
  id: string;
  grantId: string;
  amount: bigint;
  priceUsd: bigint | null;
  status: 'pending_payment' | 'paid' | 'failed';
  origin: 'manual' | 'auto_recharge';
  provider: string;
  providerRef: string | null;
  idempotencyKey: string;
  failureReason: string | null;
  createdAt: Date;
  paidAt: Date | null;
  failedAt: Date | null;
}

const COLUMNS = sql`id, grant_id as "grantId", amount, price_usd as "priceUsd", status, origin, provider,
  provider_ref as "providerRef", idempotency_key as "idempotencyKey", failure_reason as "failureReason",
  created_at as "createdAt", paid_at as "paidAt", failed_at as "failedAt"`;

function toPurchase(r: DbRow): PurchaseRow {
  return {
    id: text(r.id),
    grantId: text(r.grantId),
    amount: big(r.amount),
    priceUsd: bigOrNull(r.priceUsd),
    status: textOf<PurchaseRow['status']>(r.status),
    origin: textOf<PurchaseRow['origin']>(r.origin),
    provider: text(r.provider),
    providerRef: textOrNull(r.providerRef),
    idempotencyKey: text(r.idempotencyKey),
    failureReason: textOrNull(r.failureReason),
    createdAt: date(r.createdAt),
    paidAt: dateOrNull(r.paidAt),
    failedAt: dateOrNull(r.failedAt),
  };
}

export async function findPurchase(q: Q, orgId: string, id: string): Promise<PurchaseRow | undefined> {
  return mapFirst(q, sql`select ${COLUMNS} from purchases where org_id = ${orgId} and id = ${id}`, toPurchase);
}

export async function findPurchaseByKey(q: Q, orgId: string, key: string): Promise<PurchaseRow | undefined> {
  return mapFirst(q, sql`select ${COLUMNS} from purchases where org_id = ${orgId} and idempotency_key = ${key}`, toPurchase);
}

export async function findPurchases(
  q: Q,
  orgId: string,
  status: string | undefined,
  before: string | undefined,
  limit: number,
): Promise<PurchaseRow[]> {
  return mapRows(
    q,
    sql`select ${COLUMNS} from purchases where org_id = ${orgId}
          ${status ? sql`and status = ${status}` : sql``} ${before ? sql`and id < ${before}` : sql``}
        order by id desc limit ${limit}`,
    toPurchase,
  );
}

/** Auto-recharge purchases started in [from, to) that did not fail: what the monthly cap counts. */
export async function countAutoPurchases(q: Q, orgId: string, from: Date, to: Date): Promise<number> {
  const [n] = await mapRows(
    q,
    sql`select count(*)::int as n from purchases where org_id = ${orgId} and origin = 'auto_recharge' and status <> 'failed'
          and created_at >= ${from.toISOString()}::timestamptz and created_at < ${to.toISOString()}::timestamptz`,
    (r) => int(r.n),
  );
  return n ?? 0;
}

export async function insertPurchase(tx: Q, orgId: string, p: PurchaseRow, actor: string): Promise<void> {
  await tx.insert(purchases).values({ orgId, ...p, actor });
}

export async function markPurchasePaid(tx: Q, orgId: string, id: string, now: Date, reference: string | null): Promise<void> {
  await tx.execute(sql`update purchases set status = 'paid', paid_at = ${now.toISOString()}::timestamptz,
    provider_ref = coalesce(${reference}, provider_ref) where org_id = ${orgId} and id = ${id}`);
}

export async function markPurchaseFailed(tx: Q, orgId: string, id: string, now: Date, reason: string): Promise<void> {
  await tx.execute(sql`update purchases set status = 'failed', failed_at = ${now.toISOString()}::timestamptz,
    failure_reason = ${reason} where org_id = ${orgId} and id = ${id}`);
}

/** An organization's auto-recharge rule and the state of its last purchase. */
export interface AutoRechargeRow {
  enabled: boolean;
  threshold: bigint;
  amount: bigint;
  maxPerMonth: number;
  cooldownMinutes: number;
  inFlightPurchaseId: string | null;
  lastStartedAt: Date | null;
  lastFailedAt: Date | null;
  updatedAt: Date;
}

export interface AutoRechargeInput {
  enabled: boolean;
  threshold: bigint;
  amount: bigint;
  maxPerMonth: number;
  cooldownMinutes: number;
}

export async function findAutoRecharge(q: Q, orgId: string): Promise<AutoRechargeRow | undefined> {
  return mapFirst(
    q,
    sql`select enabled, threshold, amount, max_per_month as "maxPerMonth", cooldown_minutes as "cooldownMinutes",
          in_flight_purchase_id as "inFlightPurchaseId", last_started_at as "lastStartedAt", last_failed_at as "lastFailedAt",
          updated_at as "updatedAt"
        from auto_recharge where org_id = ${orgId}`,
    (r) => ({
      enabled: bool(r.enabled),
      threshold: big(r.threshold),
      amount: big(r.amount),
      maxPerMonth: int(r.maxPerMonth),
      cooldownMinutes: int(r.cooldownMinutes),
      inFlightPurchaseId: textOrNull(r.inFlightPurchaseId),
      lastStartedAt: dateOrNull(r.lastStartedAt),
      lastFailedAt: dateOrNull(r.lastFailedAt),
      updatedAt: date(r.updatedAt),
    }),
  );
}

export async function upsertAutoRecharge(tx: Q, orgId: string, input: AutoRechargeInput, now: Date): Promise<void> {
  await tx.execute(sql`insert into auto_recharge (org_id, enabled, threshold, amount, max_per_month, cooldown_minutes, updated_at)
    values (${orgId}, ${input.enabled}, ${input.threshold.toString()}::bigint, ${input.amount.toString()}::bigint,
      ${input.maxPerMonth}, ${input.cooldownMinutes}, ${now.toISOString()}::timestamptz)
    on conflict (org_id) do update set enabled = excluded.enabled, threshold = excluded.threshold, amount = excluded.amount,
      max_per_month = excluded.max_per_month, cooldown_minutes = excluded.cooldown_minutes, updated_at = excluded.updated_at`);
}

/** The in-flight marker: while it is set, no second auto-recharge starts. */
export async function markAutoRechargeStarted(tx: Q, orgId: string, purchaseId: string, now: Date): Promise<void> {
  await tx.execute(sql`update auto_recharge set in_flight_purchase_id = ${purchaseId},
    last_started_at = ${now.toISOString()}::timestamptz where org_id = ${orgId}`);
}

/** A paid purchase ends the auto-recharge it was in flight for, if any. */
export async function clearAutoRechargeInFlight(tx: Q, orgId: string, purchaseId: string): Promise<void> {
  await tx.execute(sql`update auto_recharge set in_flight_purchase_id = null where org_id = ${orgId} and in_flight_purchase_id = ${purchaseId}`);
}

/** A failed auto-recharge purchase: the marker clears and the cooldown starts. */
export async function markAutoRechargeFailed(tx: Q, orgId: string, now: Date): Promise<void> {
  await tx.execute(sql`update auto_recharge set in_flight_purchase_id = null, last_failed_at = ${now.toISOString()}::timestamptz
    where org_id = ${orgId}`);
}

export function purchaseView(p: PurchaseRow) {
  return {
    id: p.id,
    grant_id: p.grantId,
    amount: formatMicro(p.amount),
    price_usd: p.priceUsd === null ? null : formatMicro(p.priceUsd),
    status: p.status,
    origin: p.origin,
    provider: p.provider,
    provider_reference: p.providerRef,
    idempotency_key: p.idempotencyKey,
    failure_reason: p.failureReason,
    created_at: p.createdAt.toISOString(),
    paid_at: p.paidAt?.toISOString() ?? null,
    failed_at: p.failedAt?.toISOString() ?? null,
  };
}

export type PurchaseView = ReturnType<typeof purchaseView>;
