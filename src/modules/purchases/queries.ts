import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
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

const date = (d: Date | null): Date | null => (d === null ? null : new Date(d));

function toPurchase(r: PurchaseRow): PurchaseRow {
  return {
    ...r,
    amount: BigInt(r.amount),
    priceUsd: r.priceUsd === null ? null : BigInt(r.priceUsd),
    createdAt: new Date(r.createdAt),
    paidAt: date(r.paidAt),
    failedAt: date(r.failedAt),
  };
}

export async function findPurchase(q: Q, orgId: string, id: string): Promise<PurchaseRow | undefined> {
  const [row] = await rows<PurchaseRow>(q, sql`select ${COLUMNS} from purchases where org_id = ${orgId} and id = ${id}`);
  return row && toPurchase(row);
}

export async function findPurchaseByKey(q: Q, orgId: string, key: string): Promise<PurchaseRow | undefined> {
  const [row] = await rows<PurchaseRow>(q, sql`select ${COLUMNS} from purchases where org_id = ${orgId} and idempotency_key = ${key}`);
  return row && toPurchase(row);
}

export async function findPurchases(
  q: Q,
  orgId: string,
  status: string | undefined,
  before: string | undefined,
  limit: number,
): Promise<PurchaseRow[]> {
  const found = await rows<PurchaseRow>(
    q,
    sql`select ${COLUMNS} from purchases where org_id = ${orgId}
          ${status ? sql`and status = ${status}` : sql``} ${before ? sql`and id < ${before}` : sql``}
        order by id desc limit ${limit}`,
  );
  return found.map(toPurchase);
}

/** Auto-recharge purchases started in [from, to) that did not fail: what the monthly cap counts. */
export async function countAutoPurchases(q: Q, orgId: string, from: Date, to: Date): Promise<number> {
  const [row] = await rows<{ n: number }>(
    q,
    sql`select count(*)::int as n from purchases where org_id = ${orgId} and origin = 'auto_recharge' and status <> 'failed'
          and created_at >= ${from.toISOString()}::timestamptz and created_at < ${to.toISOString()}::timestamptz`,
  );
  return Number(row?.n ?? 0);
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
