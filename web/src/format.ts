/**
 * Amounts arrive as exact decimal strings ("1234.000125"). They are never
 * turned into floats: the integer part is grouped with Intl (as a BigInt),
 * the fraction is kept digit for digit, and the locale's separators are used.
 * Dates and times are shown in the organization's time zone.
 */
const separatorCache = new Map<string, string>();

function decimalSeparator(locale: string): string {
  let sep = separatorCache.get(locale);
  if (sep === undefined) {
    sep = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
    separatorCache.set(locale, sep);
  }
  return sep;
}

export interface AmountOptions {
  /** pad the fraction to at least this many digits ("2" for money) */
  minFraction?: number;
  /** cut the fraction to at most this many digits (rounding half away from zero); exact when omitted */
  maxFraction?: number;
  currency?: 'USD';
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export function formatAmount(value: string, locale: string, options: AmountOptions = {}): string {
  const match = DECIMAL.exec(value.trim());
  if (!match) return value;
  const negative = match[1] === '-';
  let whole = BigInt(match[2]!);
  let fraction = (match[3] ?? '').replace(/0+$/, '');
  const max = options.maxFraction;
  if (max !== undefined && fraction.length > max) {
    const kept = fraction.slice(0, max);
    const roundUp = fraction.charCodeAt(max) >= 53; // next digit ≥ 5
    let digits = BigInt(`1${kept.padEnd(max, '0')}`) + (roundUp ? 1n : 0n);
    if (digits >= 2n * 10n ** BigInt(max)) {
      whole += 1n;
      digits -= 10n ** BigInt(max);
    }
    fraction = digits.toString().slice(1).replace(/0+$/, '');
  }
  fraction = fraction.padEnd(options.minFraction ?? 0, '0');
  const grouped = new Intl.NumberFormat(locale, { useGrouping: true }).format(whole);
  const isZero = whole === 0n && /^0*$/.test(fraction);
  const body = `${grouped}${fraction ? decimalSeparator(locale) + fraction : ''}`;
  const sign = negative && !isZero ? '-' : '';
  if (options.currency) {
    const parts = new Intl.NumberFormat(locale, { style: 'currency', currency: options.currency }).formatToParts(0);
    const symbolFirst = parts.findIndex((p) => p.type === 'currency') < parts.findIndex((p) => p.type === 'integer');
    const symbol = parts.find((p) => p.type === 'currency')?.value ?? '$';
    return symbolFirst ? `${sign}${symbol}${body}` : `${sign}${body}\u00a0${symbol}`;
  }
  return `${sign}${body}`;
}

export const formatCredits = (value: string, locale: string) => formatAmount(value, locale);
export const formatUsd = (value: string, locale: string) => formatAmount(value, locale, { minFraction: 2, currency: 'USD' });

export function formatPercent(fraction: number, locale: string, digits = 1): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: digits }).format(fraction);
}

/** An instant, in the organization's time zone. */
export function formatDateTime(iso: string, timeZone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatDate(iso: string, timeZone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium' }).format(new Date(iso));
}

/** A calendar day ("2026-03-14") that is already a day of the organization's zone. */
export function formatDay(day: string, locale: string, style: 'medium' | 'short' = 'medium'): string {
  const opts: Intl.DateTimeFormatOptions = style === 'short' ? { month: 'short', day: 'numeric', timeZone: 'UTC' } : { dateStyle: 'medium', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(locale, opts).format(new Date(`${day.slice(0, 10)}T00:00:00Z`));
}

/** "2026-03" → "March 2026". */
export function formatMonth(period: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${period}-01T00:00:00Z`));
}

/** The calendar day of an instant in a time zone, as YYYY-MM-DD. */
export function dayInZone(iso: string | Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

export const humanize = (key: string) => key.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
