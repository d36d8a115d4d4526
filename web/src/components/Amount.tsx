import { locale } from '../api.js';
import { formatAmount, formatUsd, type AmountOptions } from '../format.js';

export function Credits({ value, ...options }: { value: string } & AmountOptions) {
  return <span data-amount={value}>{formatAmount(value, locale, options)}</span>;
}

export function Usd({ value }: { value: string }) {
  return <span data-amount={value}>{formatUsd(value, locale)}</span>;
}

/**
 * Credits with two decimals; when that rounds, the exact value is a hover
 * title and, for keyboard and screen-reader users, a focusable label.
 */
export function Credits2({ value }: { value: string }) {
  const shown = formatAmount(value, locale, { minFraction: 2, maxFraction: 2 });
  const exact = formatAmount(value, locale);
  if (formatAmount(value, locale, { minFraction: 2 }) === shown) return <span data-amount={value}>{shown}</span>;
  return (
    <span data-amount={value} title={`Exact value: ${exact}`} tabIndex={0} aria-label={`${shown} (exact value ${exact})`}>
      {shown}
    </span>
  );
}
