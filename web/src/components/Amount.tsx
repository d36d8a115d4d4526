import { locale } from '../api.js';
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

/** USD in whole cents ("$1,234.50"); the exact amount stays in `data-amount`. */
export function Usd({ value }: { value: string }) {
  return <span data-amount={value}>{formatUsd(value, locale)}</span>;
}

/** A quantity (a count of messages, hours, GB): up to two decimals, no padding. */
export function Quantity({ value }: { value: string }) {
  return <span data-amount={value}>{formatAmount(value, locale, { maxFraction: 2 })}</span>;
}
