import { locale } from '../api.js';
import { formatAmount, formatUsd, type AmountOptions } from '../format.js';

export function Credits({ value, ...options }: { value: string } & AmountOptions) {
  return <span data-amount={value}>{formatAmount(value, locale, options)}</span>;
}

export function Usd({ value }: { value: string }) {
  return <span data-amount={value}>{formatUsd(value, locale)}</span>;
}
