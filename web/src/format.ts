/**
 * Dates and times, shown in the organization's time zone. Amounts and counts
 * follow the rules of src/domain/display.ts (shared with the server), re-exported here.
 */
export { exactCredits, formatAmount, formatCredits, formatPercent, formatUsd, roundsCredits, type AmountOptions } from '../../src/domain/display.js';

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

/** A status or key read as a sentence (the domain's rule). */
export { sentenceOf as humanize } from '../../src/domain/labels.js';
