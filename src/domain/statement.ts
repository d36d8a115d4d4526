import { divRoundHalfEven, MICRO } from './money.js';

const CENT = 10_000n;

/** One local day of the ledger, in signed micro-credits (see ledger_daily). */
export interface DayFlows {
  day: string;
  purchased: bigint;
  granted: bigint;
  adjustments: bigint;
  consumed: bigint;
  overage: bigint;
  expired: bigint;
  /** moved out of expiring scheduled grants into their rollover blocks: balance-neutral */
  rolledOver: bigint;
  /** expired from scheduled grants with a rollover rule, beyond the cap */
  forfeited: bigint;
  /** credits returned (+) or charged (−) by corrections of closed periods' usage; already inside `consumed`/`expired` */
  corrections: bigint;
  net: bigint;
}

export interface StatementSummary {
  broughtForward: bigint;
  purchased: bigint;
  granted: bigint;
  adjustments: bigint;
  consumed: bigint;
  expired: bigint;
  rolledOver: bigint;
  forfeited: bigint;
  /** shown, not a term of the identity: consumed (and expired) already carry it (docs/decisions.md, issue 15 corrections) */
  corrections: bigint;
  closing: bigint;
}

export interface StatementDay {
  day: string;
  topUps: bigint;
  creditsUsed: bigint;
  expired: bigint;
  balance: bigint;
}

export class StatementIdentityError extends Error {}

export const zeroFlows = (day: string): DayFlows => ({
  day,
  purchased: 0n,
  granted: 0n,
  adjustments: 0n,
  consumed: 0n,
  overage: 0n,
  expired: 0n,
  rolledOver: 0n,
  forfeited: 0n,
  corrections: 0n,
  net: 0n,
});

export function addFlows(a: DayFlows, b: DayFlows): DayFlows {
  return {
    day: a.day,
    purchased: a.purchased + b.purchased,
    granted: a.granted + b.granted,
    adjustments: a.adjustments + b.adjustments,
    consumed: a.consumed + b.consumed,
    overage: a.overage + b.overage,
    expired: a.expired + b.expired,
    rolledOver: a.rolledOver + b.rolledOver,
    forfeited: a.forfeited + b.forfeited,
    corrections: a.corrections + b.corrections,
    net: a.net + b.net,
  };
}

/**
 * Builds a period's summary and daily table from the brought-forward balance
 * and the flows of each day (`days` lists every day of the table, in order,
 * with zero flows where nothing happened). The closing balance is the sum of
 * the balance accounts' net changes, computed independently of the
 * classification, so the SPEC §3.9 identity is a real check: an entry that
 * moved credit between accounts we do not classify would break it.
 */
export function buildStatement(broughtForward: bigint, days: DayFlows[]): { summary: StatementSummary; days: StatementDay[] } {
  let balance = broughtForward;
  const summary: StatementSummary = {
    broughtForward,
    purchased: 0n,
    granted: 0n,
    adjustments: 0n,
    consumed: 0n,
    expired: 0n,
    rolledOver: 0n,
    forfeited: 0n,
    corrections: 0n,
    closing: broughtForward,
  };
  const table = days.map((d) => {
    balance += d.net;
    summary.purchased += d.purchased;
    summary.granted += d.granted;
    summary.adjustments += d.adjustments;
    summary.consumed += d.consumed;
    summary.expired += d.expired;
    summary.rolledOver += d.rolledOver;
    summary.forfeited += d.forfeited;
    summary.corrections += d.corrections;
    return {
      day: d.day,
      // top-ups: credits granted that day (purchases, grants and adjustment grants; voids are not top-ups)
      topUps: d.purchased + d.granted + (d.adjustments > 0n ? d.adjustments : 0n),
      creditsUsed: d.consumed,
      // the day's column counts every credit that left the balance by expiring, forfeited included
      expired: d.expired + d.forfeited,
      balance,
    };
  });
  summary.closing = balance;
  return { summary, days: table };
}

/**
 * closing = brought_forward + purchased + granted + adjustments − consumed − expired − forfeited,
 * to the micro-credit. Rolled over is not a term: a rollover takes credit
 * out of one block and puts the same amount into another at the same
 * instant, so it leaves the balance unchanged; the closing side (`net`,
 * summed over the balance accounts) would catch a rollover that did not.
 */
export function checkIdentity(s: StatementSummary): void {
  const expected = s.broughtForward + s.purchased + s.granted + s.adjustments - s.consumed - s.expired - s.forfeited;
  if (expected !== s.closing) {
    throw new StatementIdentityError(
      `statement identity broken: closing ${s.closing} ≠ ${expected} (brought forward ${s.broughtForward}, purchased ` +
        `${s.purchased}, granted ${s.granted}, adjustments ${s.adjustments}, consumed ${s.consumed}, expired ${s.expired}, ` +
        `forfeited ${s.forfeited}, rolled over ${s.rolledOver})`,
    );
  }
}

export interface InvoiceTotals {
  subtotalUsd: bigint;
  creditsApplied: bigint;
  creditsAppliedUsd: bigint;
  amountDueUsd: bigint;
}

/**
 * Invoice arithmetic. The subtotal is the USD cost of the period's usage plus
 * the price of the credit purchases paid in the period (purchased credits are
 * billed on the invoice of the period they were paid in). Credits applied
 * offset usage only: what no block paid (overage credits) is due, valued
 * through the credit factor; the rest of the usage was covered by credits.
 * Purchases are always due in full. So subtotal − credits applied = amount
 * due, and neither is ever negative. With credit tracking off (factor 0) no
 * credits apply and the whole subtotal is due.
 */
export function invoiceTotals(args: {
  usageUsd: bigint;
  consumed: bigint;
  overage: bigint;
  creditFactor: bigint;
  purchasesUsd?: bigint;
}): InvoiceTotals {
  const { usageUsd, consumed, overage, creditFactor } = args;
  const usage = usageUsd > 0n ? usageUsd : 0n;
  const purchases = args.purchasesUsd !== undefined && args.purchasesUsd > 0n ? args.purchasesUsd : 0n;
  const creditsApplied = consumed - overage > 0n ? consumed - overage : 0n;
  // the overage's value is rounded to whole cents once, like every invoice line (decisions.md)
  let usageDue = creditFactor === 0n ? usage : divRoundHalfEven(overage * MICRO, creditFactor * CENT) * CENT;
  if (usageDue > usage) usageDue = usage;
  if (usageDue < 0n) usageDue = 0n;
  return { subtotalUsd: usage + purchases, creditsApplied, creditsAppliedUsd: usage - usageDue, amountDueUsd: usageDue + purchases };
}
