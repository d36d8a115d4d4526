import { DateTime } from 'luxon';
import { cycleContaining, type Cadence } from './cycles.js';

/**
 * Spend-cap windows (SPEC §3.16), in the organization's time zone. A `1d`
 * window is the local calendar day, so it lasts 23 or 25 hours across a DST
 * change; `1w` is the local ISO week (Monday 00:00 to Monday 00:00);
 * `calendar_month` the local month; `cycle` the account credit cycle, whose
 * series is given by its anchor and cadence (domain/cycles.ts).
 */
export const CAP_WINDOWS = ['1d', '1w', 'calendar_month', 'cycle'] as const;
export type CapWindow = (typeof CAP_WINDOWS)[number];

export interface WindowBounds {
  startsAt: Date;
  endsAt: Date;
}

export interface CycleSeries {
  anchor: Date;
  cadence: Cadence;
}

export function capWindowContaining(window: CapWindow, zone: string, at: Date, cycle: CycleSeries): WindowBounds {
  if (window === 'cycle') {
    const c = cycleContaining(cycle.anchor, cycle.cadence, zone, at);
    return { startsAt: c.startsAt, endsAt: c.endsAt };
  }
  const unit = window === '1d' ? 'day' : window === '1w' ? 'week' : 'month';
  const start = DateTime.fromJSDate(at, { zone }).startOf(unit);
  return { startsAt: start.toJSDate(), endsAt: start.plus({ [`${unit}s`]: 1 }).toJSDate() };
}

/**
 * Whether a window starts and ends on local midnights, so that whole rows of
 * the daily usage rollup cover it exactly. Day, week and month windows always
 * do; a cycle does when its cadence and anchor do (12h and 1h cycles, or a
 * cycle reset mid-day, do not).
 */
export function alignedToLocalDays(bounds: WindowBounds, zone: string): boolean {
  const isMidnight = (d: Date) => {
    const local = DateTime.fromJSDate(d, { zone });
    return local.equals(local.startOf('day'));
  };
  return isMidnight(bounds.startsAt) && isMidnight(bounds.endsAt);
}

/**
 * The percents of a cap's thresholds that usage has newly crossed: those
 * above what was already notified in this window, up to the share used.
 * `usedBp` is the share of the limit in basis points (10000 = 100 %).
 */
export function newlyCrossed(percents: readonly number[], notifiedPct: number, usedBp: bigint): number[] {
  return [...new Set(percents)]
    .filter((p) => p > notifiedPct && BigInt(p) * 100n <= usedBp)
    .sort((a, b) => a - b);
}

/** Share of the limit used, in basis points; a zero limit is fully used by any use at all. */
export function usedBasisPoints(used: bigint, limit: bigint): bigint {
  if (limit <= 0n) return used > 0n ? 10_000n : 0n;
  return (used * 10_000n) / limit;
}
