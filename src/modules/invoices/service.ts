import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { once } from '../../db/idempotency.js';
import { overageRepaidLine, purchaseLine, toCents } from '../../domain/invoice.js';
import { divRoundHalfEven, formatMicro, MICRO, parseMicro } from '../../domain/money.js';
import { periodDays } from '../../domain/periods.js';
import { invoiceTotals } from '../../domain/statement.js';
import { periodByKey, periodContaining, type Period } from '../../domain/time.js';
import { TallyError } from '../../errors.js';
import { correctionPartKey, invoiceCorrections } from '../corrections/index.js';
import { effectiveMeters } from '../meters/index.js';
import { lockOrg, type OrgRow, requireOrg } from '../orgs/index.js';
import { computeStatement, type PeriodStatement } from '../statements/index.js';
import {
  findInvoice,
  gaugeReadings,
  insertInvoice,
  listStoredInvoices,
  overageRepaid,
  paidPurchases,
  setInvoiceStatus,
  usageLines,
  type InvoiceRow,
} from './queries.js';

const INVOICE_ID = /^inv_(\d{4}-\d{2})$/;
export const invoiceId = (period: string): string => `inv_${period}`;

/**
 * An invoice computed from the period's rollups: one line per meter and
 * resource class (USD from the events' cost), then one line per credit
 * purchase paid in the period (purchaseLine), then a credit line for overage
 * that credits repaid in the period (overageRepaidLine). Each line amount is
 * whole cents, rounded once; the subtotal is the sum of the lines; credits
 * applied and amount due from the ledger's consumed and overage
 * (invoiceTotals), purchases due in full.
 */
async function computeInvoice(q: Q, org: OrgRow, period: Period, statement: Pick<PeriodStatement, 'consumed' | 'overage'>, now: Date): Promise<InvoiceRow> {
  const { first, end } = periodDays(period, org.timezone);
  // one after another: q may be a transaction, one connection that runs one statement at a time
  const all = await usageLines(q, org.id, first, end);
  const meters = await effectiveMeters(q, org.id);
  const corrections = await invoiceCorrections(q, org.id, period.key);
  // corrections of closed periods' usage get lines of their own, so the meter lines leave them out
  const usage = all
    .map((l) => {
      const c = corrections.parts.get(correctionPartKey(l.meter, l.resourceClass));
      return c ? { ...l, events: l.events - c.events, quantity: l.quantity - c.quantity, usd: l.usd - c.usd } : l;
    })
    .filter((l) => l.events !== 0 || l.quantity !== 0n || l.usd !== 0n);
  const gauges = { max: [] as string[], latest: [] as string[] };
  for (const [key, m] of meters) if (m.aggregation === 'max' || m.aggregation === 'latest') gauges[m.aggregation].push(key);
  const readings = await gaugeReadings(q, org.id, gauges, period.startsAt, period.endsAt);
  const lines = usage.map((l) => {
    const meter = meters.get(l.meter);
    const quantity =
      meter?.aggregation === 'count'
        ? BigInt(l.events) * MICRO
        : (readings.get(`${l.meter}\u0000${l.resourceClass}`) ?? l.quantity);
    const price = meter ? ((l.resourceClass ? meter.resourceClassPrices[l.resourceClass] : undefined) ?? meter.unitPrice) : null;
    const unitPriceUsd =
      price === null ? null : meter!.priceCurrency === 'usd' ? price : org.creditFactor === 0n ? null : divRoundHalfEven(price * MICRO, org.creditFactor);
    return {
      meter: l.meter,
      description: `${meter?.name ?? l.meter}${l.resourceClass ? ` (${l.resourceClass})` : ''}`,
      quantity: formatMicro(quantity),
      unit: meter?.unit ?? '',
      unit_price_usd: unitPriceUsd === null ? '' : formatMicro(unitPriceUsd),
      amountUsd: toCents(l.usd),
    };
  });
  const purchases = await paidPurchases(q, org.id, period.startsAt, period.endsAt);
  const repaid = await overageRepaid(q, org.id, period.startsAt, period.endsAt);
  const purchaseLines = purchases.map(purchaseLine);
  // a correction of a closed period's event is a line of its own, in whole cents like every line
  const correctionLines = corrections.lines.map((l) => ({ ...l, amount_usd: formatMicro(toCents(parseMicro(l.amount_usd))) }));
  const usageUsd =
    lines.reduce((s, l) => s + l.amountUsd, 0n) + correctionLines.reduce((s, l) => s + parseMicro(l.amount_usd), 0n);
  const purchasesUsd = purchaseLines.reduce((s, p) => s + parseMicro(p.amount_usd), 0n);
  const totals = invoiceTotals({ usageUsd, purchasesUsd, consumed: statement.consumed, overage: statement.overage, creditFactor: org.creditFactor });
  const credit = overageRepaidLine(repaid, org.creditFactor);
  const creditUsd = credit ? parseMicro(credit.amount_usd) : 0n;
  return {
    id: invoiceId(period.key),
    period: period.key,
    status: 'issued',
    lines: [
      ...lines.map(({ amountUsd, ...l }) => ({ ...l, amount_usd: formatMicro(amountUsd) })),
      ...correctionLines,
      ...purchaseLines,
      ...(credit ? [credit] : []),
    ],
    ...totals,
    // the credit line lowers the subtotal (the sum of the lines) and what is due alike
    subtotalUsd: totals.subtotalUsd + creditUsd,
    amountDueUsd: totals.amountDueUsd + creditUsd,
    issuedAt: now,
    paidAt: null,
    voidedAt: null,
  };
}

/** Issues a closed period's invoice inside the period-close transaction. Idempotent. */
export async function issueInvoice(tx: Q, org: OrgRow, statement: PeriodStatement, now: Date): Promise<boolean> {
  if (await findInvoice(tx, org.id, invoiceId(statement.period.key))) return false;
  await insertInvoice(tx, org.id, await computeInvoice(tx, org, statement.period, statement, now));
  return true;
}

type Status = 'draft' | 'issued' | 'paid' | 'void';

function invoiceView(inv: InvoiceRow, status: Status, period: Period) {
  return {
    id: inv.id,
    status,
    period: inv.period,
    starts_at: period.startsAt.toISOString(),
    ends_at: period.endsAt.toISOString(),
    lines: inv.lines,
    subtotal_usd: formatMicro(inv.subtotalUsd),
    credits_applied: formatMicro(inv.creditsApplied),
    credits_applied_usd: formatMicro(inv.creditsAppliedUsd),
    amount_due_usd: formatMicro(inv.amountDueUsd),
    issued_at: status === 'draft' ? null : inv.issuedAt.toISOString(),
    paid_at: inv.paidAt?.toISOString() ?? null,
    voided_at: inv.voidedAt?.toISOString() ?? null,
  };
}


const invoiceNotFound = (id: string) => new TallyError('not_found', `No invoice with id "${id}" exists in this organization.`);

/**
 * The open period's invoice is a draft computed on every read, so it follows
 * usage as it arrives. An ended period not closed by the scheduler yet is
 * computed the same way and shown as issued (its figures can no longer change).
 */
async function readInvoice(q: Q, org: OrgRow, id: string, now: Date) {
  const key = INVOICE_ID.exec(id)?.[1];
  const current = periodContaining(now, org.timezone);
  const first = periodContaining(org.createdAt, org.timezone);
  if (!key || key > current.key || key < first.key) throw invoiceNotFound(id);
  const period = periodByKey(key, org.timezone);
  const stored = await findInvoice(q, org.id, id);
  if (stored) return invoiceView(stored, stored.status, period);
  const statement = await computeStatement(q, org, period, now);
  return invoiceView(await computeInvoice(q, org, period, statement, now), key === current.key ? 'draft' : 'issued', period);
}

export function getInvoice({ ctx, orgId, invoice }: { ctx: AppContext; orgId: string; invoice: string }) {
  return ctx.db.read(async (q) => readInvoice(q, await requireOrg(q, orgId), invoice, ctx.clock.now()));
}

/** History, newest first: the current draft, then stored invoices. Cursor = the last period listed. */
export function listInvoices({ ctx, orgId, before, limit }: { ctx: AppContext; orgId: string; before: string | undefined; limit: number }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const now = ctx.clock.now();
    const current = periodContaining(now, org.timezone);
    const data = before === undefined ? [await readInvoice(q, org, invoiceId(current.key), now)] : [];
    const room = limit - data.length;
    const stored = room > 0 ? await listStoredInvoices(q, org.id, before ?? current.key, room + 1) : [];
    for (const inv of stored.slice(0, room)) data.push(invoiceView(inv, inv.status, periodByKey(inv.period, org.timezone)));
    const more = stored.length > room;
    return { data, next_cursor: more ? data[data.length - 1]!.period : null };
  });
}

/** Operator transitions: issued → paid, issued → void. A retry with the same Idempotency-Key gets the first answer. */
export function setInvoiceState(args: {
  ctx: AppContext;
  orgId: string;
  invoice: string;
  to: 'paid' | 'void';
  idempotencyKey?: string | undefined;
}) {
  const { ctx, orgId, invoice, to } = args;
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const scope = { orgId, scope: `invoices.${to}:${invoice}`, key: args.idempotencyKey, hash: invoice, now, statusCode: 200 };
    return once(tx, scope, async () => {
      const stored = await findInvoice(tx, orgId, invoice, true);
      if (!stored) {
        const key = INVOICE_ID.exec(invoice)?.[1];
        if (key && key <= periodContaining(now, org.timezone).key && key >= periodContaining(org.createdAt, org.timezone).key) {
          throw new TallyError('conflict', `Invoice "${invoice}" is not issued yet: only issued invoices can be marked ${to}.`);
        }
        throw invoiceNotFound(invoice);
      }
      if (stored.status !== 'issued') {
        throw new TallyError('conflict', `Invoice "${invoice}" is ${stored.status}; only an issued invoice can be marked ${to}.`);
      }
      await setInvoiceStatus(tx, orgId, invoice, to, now);
      const updated = (await findInvoice(tx, orgId, invoice))!;
      return invoiceView(updated, updated.status, periodByKey(updated.period, org.timezone));
    });
  });
}
