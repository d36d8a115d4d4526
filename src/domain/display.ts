/**
 * How figures read, for the dashboard and for text the server writes (error
 * messages, statement lines) alike. Amounts are exact decimal strings and go
 * to Intl.NumberFormat as strings, which formats them digit for digit (no
 * float on the way), grouped and separated as the locale does. Pure: no I/O,
 * no clock.
 *
 * The rules:
 * - credits in a table or card: two decimals ("1,234.50"); the exact value
 *   (up to six decimals) is what `exactCredits` gives, for a hover or focus label;
 * - USD: whole cents with the currency symbol ("$1,234.50");
 * - a count with its noun in the right number ("1 seat", "41 messages").
 */
import { singularUnit } from './labels.js';
import { formatMicro } from './money.js';

export interface AmountOptions {
  /** pad the fraction to at least this many digits */
  minFraction?: number;
  /** round the fraction to at most this many digits (half away from zero); exact (six) when omitted */
  maxFraction?: number;
  currency?: 'USD';
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const formatters = new Map<string, Intl.NumberFormat>();

function formatter(locale: string, options: AmountOptions): Intl.NumberFormat {
  const min = options.minFraction ?? 0;
  const max = Math.max(min, options.maxFraction ?? 6);
  const key = `${locale}|${min}|${max}|${options.currency ?? ''}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, {
      ...(options.currency ? { style: 'currency', currency: options.currency } : {}),
      minimumFractionDigits: min,
      maximumFractionDigits: max,
      // "-0.001" rounded to two decimals is "0", not "-0"
      signDisplay: 'negative',
    });
    formatters.set(key, f);
  }
  return f;
}

/** An exact decimal string ("1234.000125") as the locale writes it; anything else is returned as given. */
export function formatAmount(value: string, locale: string, options: AmountOptions = {}): string {
  const text = value.trim();
  if (!DECIMAL.test(text)) return value;
  return formatter(locale, options).format(text as `${number}`);
}

/** Credits as a table or card shows them: two decimals. */
export const formatCredits = (value: string, locale: string): string => formatAmount(value, locale, { minFraction: 2, maxFraction: 2 });

/** Credits digit for digit (the "exact value" behind a two-decimal figure). */
export const exactCredits = (value: string, locale: string): string => formatAmount(value, locale);

/** Whether two decimals hide digits of the value, so the exact value is worth a label. */
export const roundsCredits = (value: string, locale: string): boolean =>
  formatAmount(value, locale, { minFraction: 2 }) !== formatCredits(value, locale);

/** USD in whole cents: "$1,234.50". */
export const formatUsd = (value: string, locale: string): string => formatAmount(value, locale, { minFraction: 2, maxFraction: 2, currency: 'USD' });

/** Credits in text the server writes (error messages), micro-units or a decimal string: exact and grouped, "-96,999". */
export const creditsText = (amount: bigint | string, locale = 'en-US'): string =>
  formatAmount(typeof amount === 'bigint' ? formatMicro(amount) : amount, locale);

export function formatPercent(fraction: number, locale: string, digits = 1): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: digits }).format(fraction);
}

const plurals = new Map<string, Intl.PluralRules>();

function isOne(n: number, locale: string): boolean {
  let rules = plurals.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    plurals.set(locale, rules);
  }
  return rules.select(n) === 'one';
}

/**
 * "1 seat", "41 messages", "1,234 runs": the number grouped, the noun chosen by
 * Intl.PluralRules. The noun pair is given (English plurals are irregular:
 * "entry"/"entries"); a locale with more plural forms than two reads `other`.
 */
export function countOf(n: number | bigint, one: string, other: string, locale = 'en-US'): string {
  // PluralRules takes numbers; a count past 2^53 is "other" in every locale anyway
  return `${new Intl.NumberFormat(locale).format(n)} ${isOne(Number(n), locale) ? one : other}`;
}

/**
 * A measured quantity with its stored (plural) unit: "1 hour", "1.5 hours",
 * "49.808 tokens", "1,234.57 GB" with `maxFraction: 2`. Exact unless told.
 */
export function quantityOf(value: string, unit: string, locale = 'en-US', options: Pick<AmountOptions, 'maxFraction'> = {}): string {
  const shown = formatAmount(value, locale, options);
  return `${shown} ${isOne(Number(value), locale) ? singularUnit(unit) : unit}`.trim();
}
