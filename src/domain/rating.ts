import { divRoundHalfEven, MICRO } from './money.js';

export type Aggregation = 'sum' | 'count' | 'max' | 'latest';
export type PriceCurrency = 'credits' | 'usd';

export interface MeterPrice {
  aggregation: Aggregation;
  unitPrice: bigint;
  priceCurrency: PriceCurrency;
  resourceClassPrices: Record<string, bigint>;
}

export interface Rated {
  credits: bigint;
  /** USD value in micro-dollars; null when it cannot be known (credit-priced meter, factor 0). */
  usd: bigint | null;
}

/**
 * Turns a quantity into a cost. A `count` meter bills one unit per event;
 * the others bill the quantity. Each figure is rounded half-even exactly
 * once, from the exact product, never from an already rounded figure.
 * `creditFactor` is micro-credits per $1; 0 turns credit tracking off.
 */
export function rate(price: MeterPrice, quantity: bigint, resourceClass: string | null, creditFactor: bigint): Rated {
  const billable = price.aggregation === 'count' ? MICRO : quantity;
  const unitPrice = (resourceClass !== null ? price.resourceClassPrices[resourceClass] : undefined) ?? price.unitPrice;
  const product = billable * unitPrice; // scale 1e12
  if (price.priceCurrency === 'usd') {
    return {
      usd: divRoundHalfEven(product, MICRO),
      credits: creditFactor === 0n ? 0n : divRoundHalfEven(product * creditFactor, MICRO * MICRO),
    };
  }
  if (creditFactor === 0n) return { credits: 0n, usd: null };
  return {
    credits: divRoundHalfEven(product, MICRO),
    usd: divRoundHalfEven(product, creditFactor),
  };
}
