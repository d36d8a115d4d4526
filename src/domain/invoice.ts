import { divRoundHalfEven, formatMicro, MICRO } from './money.js';

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

/** "5000" → "5,000"; "1234567.5" → "1,234,567.5" (exact; no float ever holds the amount). */
export function groupedMicro(micro: bigint): string {
  const [whole, fraction] = formatMicro(micro).split('.');
  const negative = whole!.startsWith('-');
  const digits = negative ? whole!.slice(1) : whole!;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
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
    amount_usd: formatMicro(price),
  };
}
