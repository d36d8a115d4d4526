import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';

export interface UsageLine {
  meter: string;
  resourceClass: string;
  events: number;
  quantity: bigint;
  usd: bigint;
}

/** The period's usage per meter and resource class, from the daily rollup. */
export async function usageLines(q: Q, orgId: string, fromDay: string, toDay: string): Promise<UsageLine[]> {
  const found = await rows<UsageLine>(
    q,
    sql`select meter, resource_class as "resourceClass", sum(events)::bigint as events, sum(quantity)::bigint as quantity,
          sum(usd)::bigint as usd
        from usage_daily where org_id = ${orgId} and day >= ${fromDay}::date and day < ${toDay}::date
        group by meter, resource_class order by meter, resource_class`,
  );
  return found.map((l) => ({ ...l, events: Number(l.events), quantity: BigInt(l.quantity), usd: BigInt(l.usd) }));
}

/**
 * A gauge meter's (`max`, `latest`) quantity over [from, to) per resource
 * class: its highest or its last reading, never the sum of its readings.
 */
export async function gaugeReadings(
  q: Q,
  orgId: string,
  gauges: { max: string[]; latest: string[] },
  from: Date,
  to: Date,
): Promise<Map<string, bigint>> {
  const range = sql`org_id = ${orgId} and timestamp >= ${from.toISOString()}::timestamptz and timestamp < ${to.toISOString()}::timestamptz`;
  const found: { meter: string; rc: string; quantity: bigint }[] = [];
  if (gauges.max.length > 0) {
    found.push(
      ...(await rows<{ meter: string; rc: string; quantity: bigint }>(
        q,
        sql`select meter, coalesce(resource_class, '') as rc, max(quantity)::bigint as quantity from events
            where ${range} and meter = any(${sql.param(gauges.max)}::text[]) group by 1, 2`,
      )),
    );
  }
  if (gauges.latest.length > 0) {
    found.push(
      ...(await rows<{ meter: string; rc: string; quantity: bigint }>(
        q,
        sql`select distinct on (meter, coalesce(resource_class, '')) meter, coalesce(resource_class, '') as rc, quantity from events
            where ${range} and meter = any(${sql.param(gauges.latest)}::text[])
            order by meter, coalesce(resource_class, ''), timestamp desc, id desc`,
      )),
    );
  }
  return new Map(found.map((r) => [`${r.meter}\u0000${r.rc}`, BigInt(r.quantity)]));
}

/** Credits that repaid overage in [from, to) (block → overage, SPEC §3.3). */
export async function overageRepaid(q: Q, orgId: string, from: Date, to: Date): Promise<bigint> {
  const [row] = await rows<{ repaid: bigint }>(
    q,
    sql`select coalesce(sum(amount), 0)::bigint as repaid from ledger_entries
        where org_id = ${orgId} and to_account = 'overage' and ref = 'overage_repayment'
          and occurred_at >= ${from.toISOString()}::timestamptz and occurred_at < ${to.toISOString()}::timestamptz`,
  );
  return BigInt(row!.repaid);
}

/** Credit purchases paid in [from, to), oldest first: each is billed on that period's invoice. */
export async function paidPurchases(q: Q, orgId: string, from: Date, to: Date): Promise<{ id: string; amount: bigint; priceUsd: bigint | null }[]> {
  const found = await rows<{ id: string; amount: bigint; priceUsd: bigint | null }>(
    q,
    sql`select id, amount, price_usd as "priceUsd" from purchases
        where org_id = ${orgId} and status = 'paid'
          and paid_at >= ${from.toISOString()}::timestamptz and paid_at < ${to.toISOString()}::timestamptz
        order by paid_at, id`,
  );
  return found.map((p) => ({ id: p.id, amount: BigInt(p.amount), priceUsd: p.priceUsd === null ? null : BigInt(p.priceUsd) }));
}

export interface InvoiceLine {
  meter: string;
  description: string;
  quantity: string;
  unit: string;
  unit_price_usd: string;
  amount_usd: string;
}

export interface InvoiceRow {
  id: string;
  period: string;
  status: 'issued' | 'paid' | 'void';
  lines: InvoiceLine[];
  subtotalUsd: bigint;
  creditsApplied: bigint;
  creditsAppliedUsd: bigint;
  amountDueUsd: bigint;
  issuedAt: Date;
  paidAt: Date | null;
  voidedAt: Date | null;
}

const COLUMNS = sql`id, period, status, lines, subtotal_usd as "subtotalUsd", credits_applied as "creditsApplied",
  credits_applied_usd as "creditsAppliedUsd", amount_due_usd as "amountDueUsd", issued_at as "issuedAt",
  paid_at as "paidAt", voided_at as "voidedAt"`;

function toInvoice(r: InvoiceRow): InvoiceRow {
  return {
    ...r,
    subtotalUsd: BigInt(r.subtotalUsd),
    creditsApplied: BigInt(r.creditsApplied),
    creditsAppliedUsd: BigInt(r.creditsAppliedUsd),
    amountDueUsd: BigInt(r.amountDueUsd),
    issuedAt: new Date(r.issuedAt),
    paidAt: r.paidAt === null ? null : new Date(r.paidAt),
    voidedAt: r.voidedAt === null ? null : new Date(r.voidedAt),
  };
}

export async function findInvoice(q: Q, orgId: string, id: string, forUpdate = false): Promise<InvoiceRow | undefined> {
  const [row] = await rows<InvoiceRow>(
    q,
    sql`select ${COLUMNS} from invoices where org_id = ${orgId} and id = ${id} ${forUpdate ? sql`for update` : sql``}`,
  );
  return row && toInvoice(row);
}

export async function listStoredInvoices(q: Q, orgId: string, beforePeriod: string | undefined, limit: number): Promise<InvoiceRow[]> {
  const found = await rows<InvoiceRow>(
    q,
    sql`select ${COLUMNS} from invoices where org_id = ${orgId}
          ${beforePeriod === undefined ? sql`` : sql`and period < ${beforePeriod}`}
        order by period desc limit ${limit}`,
  );
  return found.map(toInvoice);
}

export async function insertInvoice(tx: Q, orgId: string, inv: InvoiceRow): Promise<void> {
  await tx.execute(sql`
    insert into invoices (org_id, id, period, status, lines, subtotal_usd, credits_applied, credits_applied_usd,
      amount_due_usd, issued_at)
    values (${orgId}, ${inv.id}, ${inv.period}, ${inv.status}, ${JSON.stringify(inv.lines)}::jsonb,
      ${inv.subtotalUsd.toString()}::bigint, ${inv.creditsApplied.toString()}::bigint,
      ${inv.creditsAppliedUsd.toString()}::bigint, ${inv.amountDueUsd.toString()}::bigint, ${inv.issuedAt.toISOString()}::timestamptz)`);
}

export async function setInvoiceStatus(tx: Q, orgId: string, id: string, status: 'paid' | 'void', now: Date): Promise<void> {
  const column = status === 'paid' ? sql`paid_at` : sql`voided_at`;
  await tx.execute(sql`update invoices set status = ${status}, ${column} = ${now.toISOString()}::timestamptz
    where org_id = ${orgId} and id = ${id}`);
}
