import { divRoundHalfEven, formatMicro, MICRO } from './money.js';
import { creditsText } from './display.js';

/** The meter field of an invoice line that bills a credit purchase rather than usage. */
export const CREDIT_PURCHASE_METER = 'credit_purchase';

export interface PurchaseLine {
  meter: string;
  description: string;
  quantity: string;
  unit: string;
  unit_price_usd: string;
  amount_usd: string;
}

/** One cent in micro-dollars. */
export const CENT = 10_000n;

/**
 * An invoice is money: each line amount is rounded to whole cents once,
 * half-even (as SPEC §2 rounds credits), from the exact micro-dollar figure;
 * everything after (subtotal, credits applied, amount due) is added up from
 * those cents and never rounded again. Unit prices may keep six decimals.
 */
export function toCents(microUsd: bigint): bigint {
  return divRoundHalfEven(microUsd, CENT) * CENT;
}

/** "5000" → "5,000"; "1234567.5" → "1,234,567.5" (exact; no float ever holds the amount). */
export function groupedMicro(micro: bigint): string {
  return creditsText(micro);
}

/**
 * One invoice line per paid credit purchase: quantity = credits bought,
 * amount = the price paid (0 when the purchase carried no price), unit price =
 * price ÷ credits in USD per credit, half-even at 6 decimals. The unit price
 * is rounded, so quantity × unit price may differ from the amount by less than
 * half a micro-dollar per credit; the amount is what is billed.
 */
export function purchaseLine(p: { amount: bigint; priceUsd: bigint | null }): PurchaseLine {
  if (p.amount <= 0n) throw new RangeError('a purchase buys a positive number of credits');
  const price = p.priceUsd ?? 0n;
  return {
    meter: CREDIT_PURCHASE_METER,
    description: `Credit purchase (${groupedMicro(p.amount)} credits)`,
    quantity: formatMicro(p.amount),
    unit: 'credits',
    unit_price_usd: formatMicro(divRoundHalfEven(price * MICRO, p.amount)),
    amount_usd: formatMicro(toCents(price)),
  };
}

/** The meter field of the line that gives back overage repaid from credits after it was billed. */
export const OVERAGE_REPAID_METER = 'overage_repaid';

/**
 * The credit line for overage that credits repaid in the period (SPEC §3.3):
 * the overage was billed in USD when it happened, so the credits that later
 * paid it are given back here, valued like the overage was (through the
 * credit factor) and rounded to cents once. When it exceeds what the period
 * charges, the amount due is negative: a credit owed to the customer.
 */
export function overageRepaidLine(repaid: bigint, creditFactor: bigint): PurchaseLine | null {
  if (repaid <= 0n || creditFactor === 0n) return null;
  const usd = divRoundHalfEven(repaid * MICRO, creditFactor * CENT) * CENT;
  if (usd === 0n) return null;
  return {
    meter: OVERAGE_REPAID_METER,
    description: `Overage repaid from credits (${groupedMicro(repaid)} credits)`,
    quantity: formatMicro(repaid),
    unit: 'credits',
    unit_price_usd: '',
    amount_usd: formatMicro(-usd),
  };
}
