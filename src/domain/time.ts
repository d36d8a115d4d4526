import { DateTime, IANAZone } from 'luxon';

/**
 * All calendar maths in a time zone goes through this file: days, months and
 * billing periods are computed in the organization's IANA zone, where a day
 * may last 23 or 25 hours.
 */

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** The local calendar date ("2026-03-08") of an instant in a zone. */
export function localDate(at: Date, zone: string): string {
  return bucketOf(at.getTime(), zone).day;
}

/** The instant a local date starts in a zone (local midnight). */
export function startOfLocalDay(date: string, zone: string): Date {
  return DateTime.fromISO(date, { zone }).startOf('day').toJSDate();
}

/** A billing period is a calendar month in the organization's zone: "2026-03". */
export interface Period {
  key: string;
  startsAt: Date;
  endsAt: Date;
}

// The real-time path asks for the open period of an organization on every transaction (booking times,
// admission's period figures), a Luxon computation in the zone; a zone's periods change once a month, so
// the last one found per zone answers every instant inside it. Callers get their own copy.
const lastPeriod = new Map<string, Period>();

export function periodContaining(at: Date, zone: string): Period {
  let period = lastPeriod.get(zone);
  if (!period || at < period.startsAt || at >= period.endsAt) {
    period = periodFromStart(DateTime.fromJSDate(at, { zone }).startOf('month'));
    if (lastPeriod.size > 10_000) lastPeriod.clear();
    lastPeriod.set(zone, period);
  }
  return { key: period.key, startsAt: new Date(period.startsAt), endsAt: new Date(period.endsAt) };
}

export function periodByKey(key: string, zone: string): Period {
  const start = DateTime.fromFormat(key, 'yyyy-MM', { zone });
  if (!start.isValid) throw new RangeError(`"${key}" is not a period (YYYY-MM)`);
  return periodFromStart(start.startOf('month'));
}

function periodFromStart(start: DateTime): Period {
  return {
    key: start.toFormat('yyyy-MM'),
    startsAt: start.toJSDate(),
    endsAt: start.plus({ months: 1 }).toJSDate(),
  };
}

/**
 * When an entry is booked. An entry keeps its business time unless that time
 * lies in a billing period that has already ended: closed statements never
 * change, so such an entry is booked at the start of the open period.
 */
export function bookingTime(occurredAt: Date, now: Date, zone: string): Date {
  return bookingAt(now, zone)(occurredAt);
}

/**
 * `bookingTime` for many entries that share `now` (an ingest batch): the open
 * period, a time-zone computation, is found once.
 */
export function bookingAt(now: Date, zone: string): (occurredAt: Date) => Date {
  const openStart = periodContaining(now, zone).startsAt;
  return (occurredAt) => (occurredAt < openStart ? openStart : occurredAt);
}

export interface Bucket {
  /** local calendar date */
  day: string;
  /** the instant the local hour starts */
  hourStart: Date;
}

// The hot path buckets every usage event by local day and hour. Zone offsets
// are multiples of 15 minutes and change only on 15-minute boundaries, so one
// Luxon computation per zone and 15-minute slot serves every event in it.
const SLOT_MS = 15 * 60 * 1000;
const bucketCache = new Map<string, Bucket>();

export function bucketOf(atMs: number, zone: string): Bucket {
  const slot = Math.floor(atMs / SLOT_MS);
  const key = `${zone}|${slot}`;
  let bucket = bucketCache.get(key);
  if (!bucket) {
    const local = DateTime.fromMillis(slot * SLOT_MS, { zone });
    bucket = { day: local.toISODate()!, hourStart: local.startOf('hour').toJSDate() };
    if (bucketCache.size > 100_000) bucketCache.clear();
    bucketCache.set(key, bucket);
  }
  return bucket;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Instants and dates outside these years are refused: PostgreSQL and the calendar code agree only inside them. */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 9999;

/** Whether an instant is a real date inside the supported years. */
export const inSupportedYears = (d: Date): boolean => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= MIN_YEAR && d.getUTCFullYear() <= MAX_YEAR;
