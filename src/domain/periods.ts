import { DateTime } from 'luxon';
import { addDays } from './days.js';
import { localDate, periodByKey, periodContaining, type Period } from './time.js';

/**
 * Calendar helpers for statements and analytics. Local dates ("2026-03-08")
 * are zone-free once computed, so day arithmetic on them is plain calendar
 * arithmetic; instants go through time.ts in the organization's zone.
 */

const PERIOD_KEY = /^\d{4}-(0[1-9]|1[0-2])$/;
const DATE_KEY = /^\d{4}-\d{2}-\d{2}$/;

export const isPeriodKey = (key: string): boolean => PERIOD_KEY.test(key);

export function isDateKey(day: string): boolean {
  return DATE_KEY.test(day) && DateTime.fromISO(day, { zone: 'UTC' }).isValid;
}

export { addDays } from './days.js';

/** Every date from `from` (inclusive) to `to` (exclusive). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d < to; ) {
    out.push(d);
    const next = addDays(d, 1);
    // a day outside 0000–9999 does not read as YYYY-MM-DD and would not advance: never loop on it
    if (!(next > d)) throw new RangeError(`"${from}" to "${to}" is not a range of YYYY-MM-DD days`);
    d = next;
  }
  return out;
}

/** The local dates a period covers: [first, end) */
export function periodDays(period: Period, zone: string): { first: string; end: string } {
  return { first: localDate(period.startsAt, zone), end: localDate(period.endsAt, zone) };
}

export function previousPeriod(period: Period, zone: string): Period {
  return periodContaining(new Date(period.startsAt.getTime() - 1), zone);
}

export function nextPeriod(period: Period, zone: string): Period {
  return periodContaining(period.endsAt, zone);
}

/** Period keys from `first` to `last` inclusive, newest first. */
export function periodKeysNewestFirst(first: string, last: string, zone: string): string[] {
  const keys: string[] = [];
  for (let p = periodByKey(last, zone); p.key >= first; p = previousPeriod(p, zone)) keys.push(p.key);
  return keys;
}

/** Whole local days from `now` to the end of its period, counting today. */
export function daysLeftInPeriod(now: Date, zone: string): number {
  const today = localDate(now, zone);
  const end = localDate(periodContaining(now, zone).endsAt, zone);
  return DateTime.fromISO(end, { zone: 'UTC' }).diff(DateTime.fromISO(today, { zone: 'UTC' }), 'days').days;
}
