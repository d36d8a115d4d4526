import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bigOrNull, date, dateOrNull, int, json, mapFirst, mapRows, text, textOf, type DbRow } from '../../db/rows.js';

export interface UsageLine {
  meter: string;
  resourceClass: string;
  events: number;
  quantity: bigint;
  usd: bigint;
}

function toUsageLine(r: DbRow): UsageLine {
  return { meter: text(r.meter), resourceClass: text(r.resourceClass), events: int(r.events), quantity: big(r.quantity), usd: big(r.usd) };
}

/** The period's usage per meter and resource class, from the daily rollup. */
export async function usageLines(q: Q, orgId: string, fromDay: string, toDay: string): Promise<UsageLine[]> {
  return mapRows(
    q,
    sql`select meter, resource_class as "resourceClass", sum(events)::bigint as events, sum(quantity)::bigint as quantity,
          sum(usd)::bigint as usd
        from usage_daily where org_id = ${orgId} and day >= ${fromDay}::date and day < ${toDay}::date
        group by meter, resource_class order by meter, resource_class`,
    toUsageLine,
  );
}

interface GaugeReading {
  meter: string;
  rc: string;
  quantity: bigint;
}

function toGaugeReading(r: DbRow): GaugeReading {
  return { meter: text(r.meter), rc: text(r.rc), quantity: big(r.quantity) };
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
  const found: GaugeReading[] = [];
  if (gauges.max.length > 0) {
    found.push(
      ...(await mapRows(
        q,
        sql`select meter, coalesce(resource_class, '') as rc, max(quantity)::bigint as quantity from events
            where ${range} and meter = any(${sql.param(gauges.max)}::text[]) group by 1, 2`,
        toGaugeReading,
      )),
    );
  }
  if (gauges.latest.length > 0) {
    found.push(
      ...(await mapRows(
        q,
        sql`select distinct on (meter, coalesce(resource_class, '')) meter, coalesce(resource_class, '') as rc, quantity from events
            where ${range} and meter = any(${sql.param(gauges.latest)}::text[])
            order by meter, coalesce(resource_class, ''), timestamp desc, id desc`,
        toGaugeReading,
      )),
    );
  }
  return new Map(found.map((r) => [`${r.meter}\u0000${r.rc}`, r.quantity]));
}

/** Credits that repaid overage in [from, to) (block → overage, SPEC §3.3). */
export async function overageRepaid(q: Q, orgId: string, from: Date, to: Date): Promise<bigint> {
  const repaid = await mapFirst(
    q,
    sql`select coalesce(sum(amount), 0)::bigint as repaid from ledger_entries
        where org_id = ${orgId} and to_account = 'overage' and ref = 'overage_repayment'
          and occurred_at >= ${from.toISOString()}::timestamptz and occurred_at < ${to.toISOString()}::timestamptz`,
    (r) => big(r.repaid),
  );
  return repaid!;
}

export interface PaidPurchase {
  id: string;
  amount: bigint;
  priceUsd: bigint | null;
}

function toPaidPurchase(r: DbRow): PaidPurchase {
  return { id: text(r.id), amount: big(r.amount), priceUsd: bigOrNull(r.priceUsd) };
}

/** Credit purchases paid in [from, to), oldest first: each is billed on that period's invoice. */
export async function paidPurchases(q: Q, orgId: string, from: Date, to: Date): Promise<PaidPurchase[]> {
  return mapRows(
    q,
    sql`select id, amount, price_usd as "priceUsd" from purchases
        where org_id = ${orgId} and status = 'paid'
          and paid_at >= ${from.toISOString()}::timestamptz and paid_at < ${to.toISOString()}::timestamptz
        order by paid_at, id`,
    toPaidPurchase,
  );
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

function toInvoiceRow(r: DbRow): InvoiceRow {
  return {
    id: text(r.id),
    period: text(r.period),
    status: textOf<InvoiceRow['status']>(r.status),
    lines: json<InvoiceLine[]>(r.lines),
    subtotalUsd: big(r.subtotalUsd),
    creditsApplied: big(r.creditsApplied),
    creditsAppliedUsd: big(r.creditsAppliedUsd),
    amountDueUsd: big(r.amountDueUsd),
    issuedAt: date(r.issuedAt),
    paidAt: dateOrNull(r.paidAt),
    voidedAt: dateOrNull(r.voidedAt),
  };
}

export async function findInvoice(q: Q, orgId: string, id: string, forUpdate = false): Promise<InvoiceRow | undefined> {
  return mapFirst(
    q,
    sql`select ${COLUMNS} from invoices where org_id = ${orgId} and id = ${id} ${forUpdate ? sql`for update` : sql``}`,
    toInvoiceRow,
  );
}

export async function listStoredInvoices(q: Q, orgId: string, beforePeriod: string | undefined, limit: number): Promise<InvoiceRow[]> {
  return mapRows(
    q,
    sql`select ${COLUMNS} from invoices where org_id = ${orgId}
          ${beforePeriod === undefined ? sql`` : sql`and period < ${beforePeriod}`}
        order by period desc limit ${limit}`,
    toInvoiceRow,
  );
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
