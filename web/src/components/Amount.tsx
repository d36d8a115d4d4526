import { locale } from '../api.js';
import { quantityOf } from '../../../src/domain/display.js';
import { exactCredits, formatAmount, formatCredits, formatUsd, roundsCredits } from '../format.js';

/**
 * Credits as every column shows them: two decimals. When that hides digits,
 * the exact value is a hover title and, for keyboard and screen-reader users,
 * a focusable label ("12.35, exact value 12.345678").
 */
export function Credits({ value }: { value: string }) {
  const shown = formatCredits(value, locale);
  if (!roundsCredits(value, locale)) return <span data-amount={value}>{shown}</span>;
  const exact = exactCredits(value, locale);
  return (
    <span data-amount={value} data-exact={exact} title={`Exact value: ${exact}`} tabIndex={0} aria-label={`${shown}, exact value ${exact}`}>
      {shown}
    </span>
  );
}

/** USD in whole cents ("$1,234.50"); a unit price keeps its micro-dollars (`price`: "$0.000125"). */
export function Usd({ value, price = false }: { value: string; price?: boolean }) {
  return <span data-amount={value}>{price ? formatAmount(value, locale, { minFraction: 2, currency: 'USD' }) : formatUsd(value, locale)}</span>;
}

/** A measured quantity with its unit, exact: "1 hour", "2.123457 tokens". */
export function Quantity({ value, unit }: { value: string; unit: string }) {
  return <span data-amount={value}>{quantityOf(value, unit, locale)}</span>;
}
