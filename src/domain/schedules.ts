import { DateTime } from 'luxon';
import { boundary, cycleContaining, type Cadence } from './cycles.js';

/**
 * Grant schedules (issue 15): period k of a schedule is the cycle k of the
 * series anchor + k·cadence in the organization's zone (cycles.ts, so
 * months end on the 28th–31st and days last 23–25 hours as the calendar
 * says). Everything here is pure: the job and the API compute with it.
 */

export interface SchedulePeriod {
  index: number;
  startsAt: Date;
  endsAt: Date;
}

export interface ScheduleShape {
  anchor: Date;
  cadence: Cadence;
  endsAt: Date | null;
}

export function schedulePeriod(s: ScheduleShape, zone: string, index: number): SchedulePeriod {
  return { index, startsAt: boundary(s.anchor, s.cadence, zone, index), endsAt: boundary(s.anchor, s.cadence, zone, index + 1) };
}

/**
 * The first period a new schedule issues: the one under way at creation (a
 * schedule does not backfill history before it existed), or period 0 when
 * the anchor lies ahead.
 */
export function firstIndex(s: ScheduleShape, zone: string, now: Date): number {
  return now < s.anchor ? 0 : cycleContaining(s.anchor, s.cadence, zone, now).index;
}

/** Whether period `index` is issued at all: it must start before the schedule ends. */
export function inSchedule(s: ScheduleShape, zone: string, index: number): boolean {
  return s.endsAt === null || schedulePeriod(s, zone, index).startsAt < s.endsAt;
}

/**
 * The periods from `nextIndex` on that have started by `now`, oldest first.
 * After downtime this lists every missed period, each with its own dates.
 */
export function duePeriods(s: ScheduleShape, zone: string, nextIndex: number, now: Date): SchedulePeriod[] {
  const due: SchedulePeriod[] = [];
  for (let k = nextIndex; inSchedule(s, zone, k); k++) {
    const p = schedulePeriod(s, zone, k);
    if (p.startsAt > now) break;
    due.push(p);
  }
  return due;
}

/** When the period `nextIndex` will be issued, or null when the schedule has ended. */
export function nextIssueAt(s: ScheduleShape, zone: string, nextIndex: number): Date | null {
  return inSchedule(s, zone, nextIndex) ? schedulePeriod(s, zone, nextIndex).startsAt : null;
}

const DURATION = /^([1-9]\d{0,3})(h|d|w|mo)$/;
const UNIT = { h: 'hours', d: 'days', w: 'weeks', mo: 'months' } as const;

/** "36h", "30d", "2w", "3mo": calendar durations counted in the organization's zone. */
export const isDuration = (text: string): boolean => DURATION.test(text);

export function addDuration(at: Date, duration: string, zone: string): Date {
  const m = DURATION.exec(duration);
  if (!m) throw new RangeError(`"${duration}" is not a duration such as 30d, 2w or 1mo`);
  return DateTime.fromJSDate(at, { zone })
    .plus({ [UNIT[m[2] as keyof typeof UNIT]]: Number(m[1]) })
    .toJSDate();
}

/** A period's grant expires `expiresAfter` after the period starts, by default when the period ends. */
export function grantExpiry(period: SchedulePeriod, expiresAfter: string | null, zone: string): Date {
  return expiresAfter === null ? period.endsAt : addDuration(period.startsAt, expiresAfter, zone);
}

export interface RolloverRule {
  /** micro-credits */
  maxAmount: bigint | null;
  /** percent of the grant's amount, up to two decimals */
  maxPercent: number | null;
}

/**
 * How much of a block's unused credit rolls over: the smaller of the
 * amount cap and the percent-of-amount cap (rounded down to the
 * micro-credit, so never more than the rule allows); no cap at all rolls
 * everything over. The rest is forfeited.
 */
export function rolloverAmount(unused: bigint, grantAmount: bigint, rule: RolloverRule): bigint {
  let cap = unused;
  if (rule.maxAmount !== null && rule.maxAmount < cap) cap = rule.maxAmount;
  if (rule.maxPercent !== null) {
    const basisPoints = BigInt(Math.round(rule.maxPercent * 100));
    const byPercent = (grantAmount * basisPoints) / 10_000n;
    if (byPercent < cap) cap = byPercent;
  }
  return cap < 0n ? 0n : cap;
}

/**
 * A rolled-over block's expiry: `expiresAfter` from the moment it rolled
 * over, by default the end of the schedule period that moment falls in (the
 * carried credit lives through the next period, no longer).
 */
export function rolloverExpiry(s: ScheduleShape, zone: string, rolledAt: Date, expiresAfter: string | null): Date {
  if (expiresAfter !== null) return addDuration(rolledAt, expiresAfter, zone);
  if (rolledAt < s.anchor) return s.anchor;
  return cycleContaining(s.anchor, s.cadence, zone, rolledAt).endsAt;
}
