import { DateTime, type DurationLikeObject } from 'luxon';

/**
 * Account credit cycles (SPEC §3.7). A series of cycles is an anchor instant
 * and a cadence: cycle k runs from anchor + k·step to anchor + (k+1)·step.
 * Steps of days, weeks and months are counted on the organization's local
 * calendar (a day may last 23 or 25 hours); 12h and 1h are exact durations.
 * Each boundary is computed from the anchor, never from the previous
 * boundary, so a series anchored on Jan 31 runs Feb 28/29, then Mar 31.
 */
export const CYCLE_CADENCES = ['calendar_month', '15d', '1w', '1d', '12h', '1h'] as const;
export type Cadence = (typeof CYCLE_CADENCES)[number];

export interface CycleBounds {
  index: number;
  startsAt: Date;
  endsAt: Date;
}

const STEP: Record<Cadence, { unit: keyof DurationLikeObject; size: number; approxMs: number }> = {
  calendar_month: { unit: 'months', size: 1, approxMs: 30.44 * 86_400_000 },
  '15d': { unit: 'days', size: 15, approxMs: 15 * 86_400_000 },
  '1w': { unit: 'weeks', size: 1, approxMs: 7 * 86_400_000 },
  '1d': { unit: 'days', size: 1, approxMs: 86_400_000 },
  '12h': { unit: 'hours', size: 12, approxMs: 12 * 3_600_000 },
  '1h': { unit: 'hours', size: 1, approxMs: 3_600_000 },
};

/** The k-th boundary of a series: anchor + k·step in the zone. */
export function boundary(anchor: Date, cadence: Cadence, zone: string, k: number): Date {
  const step = STEP[cadence];
  return DateTime.fromJSDate(anchor, { zone })
    .plus({ [step.unit]: step.size * k })
    .toJSDate();
}

/** The cycle of the series that contains `at` (start inclusive, end exclusive). */
export function cycleContaining(anchor: Date, cadence: Cadence, zone: string, at: Date): CycleBounds {
  let k = Math.floor((at.getTime() - anchor.getTime()) / STEP[cadence].approxMs);
  while (boundary(anchor, cadence, zone, k) > at) k--;
  while (boundary(anchor, cadence, zone, k + 1) <= at) k++;
  return { index: k, startsAt: boundary(anchor, cadence, zone, k), endsAt: boundary(anchor, cadence, zone, k + 1) };
}

/**
 * Where a new organization's series starts: the local month for calendar
 * months, local midnight for day-based cadences and 12h, the hour for 1h.
 * A reset or a cadence change anchors the series at that instant instead
 * ("end recalculated from now").
 */
export function initialAnchor(cadence: Cadence, zone: string, now: Date): Date {
  const local = DateTime.fromJSDate(now, { zone });
  if (cadence === 'calendar_month') return local.startOf('month').toJSDate();
  if (cadence === '1h') return local.startOf('hour').toJSDate();
  return local.startOf('day').toJSDate();
}

/** Usage as a percentage of the cycle's limit, with two decimals; null when there is no limit. */
export function usagePct(used: bigint, limit: bigint | null): string | null {
  if (limit === null) return null;
  if (limit === 0n) return used > 0n ? '100' : '0';
  const hundredths = (used * 10_000n) / limit;
  const whole = hundredths / 100n;
  const frac = (hundredths % 100n).toString().padStart(2, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}
