import { describe, expect, it } from 'vitest';
import type { Cadence } from '../src/domain/cycles.js';
import { addDuration, duePeriods, firstIndex, grantExpiry, nextIssueAt, rolloverAmount, rolloverExpiry, schedulePeriod } from '../src/domain/schedules.js';

const d = (s: string) => new Date(s);
const iso = (x: Date) => x.toISOString();

describe('schedule periods', () => {
  it.each<[string, Cadence, string, number, string, string]>([
    // a month anchored on Jan 31 runs to the last day of February, then back to the 31st
    ['2026-01-31T00:00:00Z', 'calendar_month', 'UTC', 1, '2026-02-28T00:00:00.000Z', '2026-03-31T00:00:00.000Z'],
    // leap year
    ['2028-01-31T00:00:00Z', 'calendar_month', 'UTC', 1, '2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z'],
    // Paris local months: March starts at 23:00 UTC on Feb 28 (UTC+1), April at 22:00 UTC on Mar 31 (UTC+2)
    ['2025-12-31T23:00:00Z', 'calendar_month', 'Europe/Paris', 2, '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'],
    // the day DST starts in Paris lasts 23 hours
    ['2026-03-01T23:00:00Z', '1d', 'Europe/Paris', 27, '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
    // and the day it ends in New York lasts 25
    ['2026-11-01T04:00:00Z', '1d', 'America/New_York', 0, '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
    // a week across the DST change keeps local midnight
    ['2026-03-23T23:00:00Z', '1w', 'Europe/Paris', 0, '2026-03-23T23:00:00.000Z', '2026-03-30T22:00:00.000Z'],
    // 1h is an exact hour, DST or not
    ['2026-03-29T00:00:00Z', '1h', 'Europe/Paris', 1, '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z'],
  ])('anchor %s %s in %s: period %i runs %s → %s', (anchor, cadence, zone, k, start, end) => {
    const p = schedulePeriod({ anchor: d(anchor), cadence, endsAt: null }, zone, k);
    expect([iso(p.startsAt), iso(p.endsAt)]).toEqual([start, end]);
  });

  it('a new schedule starts with the period under way, or period 0 when the anchor lies ahead', () => {
    const s = { anchor: d('2026-01-01T00:00:00Z'), cadence: 'calendar_month' as const, endsAt: null };
    expect(firstIndex(s, 'UTC', d('2026-03-10T12:00:00Z'))).toBe(2);
    expect(firstIndex(s, 'UTC', d('2026-03-01T00:00:00Z'))).toBe(2); // a period starts at its first instant
    expect(firstIndex(s, 'UTC', d('2025-12-20T00:00:00Z'))).toBe(0);
  });

  it('after downtime every missed period is due, each with its own dates, and an end stops the series', () => {
    const s = { anchor: d('2026-01-01T00:00:00Z'), cadence: 'calendar_month' as const, endsAt: d('2026-05-15T00:00:00Z') };
    const due = duePeriods(s, 'UTC', 1, d('2026-08-02T00:00:00Z'));
    expect(due.map((p) => [p.index, iso(p.startsAt), iso(p.endsAt)])).toEqual([
      [1, '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
      [2, '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z'],
      [3, '2026-04-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z'],
      [4, '2026-05-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z'], // starts before the end: issued whole
    ]);
    expect(nextIssueAt(s, 'UTC', 5)).toBeNull();
    expect(iso(nextIssueAt(s, 'UTC', 4)!)).toBe('2026-05-01T00:00:00.000Z');
    expect(duePeriods(s, 'UTC', 1, d('2026-01-31T23:59:59Z'))).toEqual([]);
  });

  it('grant expiry defaults to the period end; durations count on the local calendar', () => {
    const p = schedulePeriod({ anchor: d('2026-01-31T23:00:00Z'), cadence: 'calendar_month', endsAt: null }, 'Europe/Paris', 1);
    expect(iso(grantExpiry(p, null, 'Europe/Paris'))).toBe('2026-03-31T22:00:00.000Z');
    expect(iso(grantExpiry(p, '45d', 'Europe/Paris'))).toBe('2026-04-14T22:00:00.000Z'); // local midnight after DST
    expect(iso(addDuration(d('2026-01-31T00:00:00Z'), '1mo', 'UTC'))).toBe('2026-02-28T00:00:00.000Z');
    expect(iso(addDuration(d('2026-03-28T23:00:00Z'), '36h', 'Europe/Paris'))).toBe('2026-03-30T11:00:00.000Z');
    expect(() => addDuration(d('2026-01-01T00:00:00Z'), '1y', 'UTC')).toThrow(RangeError);
  });

  it('a rolled-over block lives through the next period unless the rule says otherwise', () => {
    const s = { anchor: d('2026-01-01T00:00:00Z'), cadence: 'calendar_month' as const, endsAt: null };
    expect(iso(rolloverExpiry(s, 'UTC', d('2026-04-01T00:00:00Z'), null))).toBe('2026-05-01T00:00:00.000Z');
    expect(iso(rolloverExpiry(s, 'UTC', d('2026-04-01T00:00:00Z'), '2w'))).toBe('2026-04-15T00:00:00.000Z');
  });
});

describe('rollover cap', () => {
  it.each<[string, bigint, bigint, bigint | null, number | null, bigint]>([
    ['no cap rolls everything', 60n, 100n, null, null, 60n],
    ['amount cap', 60n, 100n, 30n, null, 30n],
    ['percent cap', 60n, 100n, null, 25, 25n],
    ['the smaller of both caps (percent)', 190n, 200n, 50n, 12.5, 25n],
    ['the smaller of both caps (amount)', 190n, 200n, 20n, 50, 20n],
    ['unused below the cap rolls whole', 20n, 100n, 30n, 50, 20n],
    ['percent rounds down to the micro-credit', 2_000_000n, 3_333_333n, null, 33.33, 1_110_999n],
    ['zero percent forfeits everything', 60n, 100n, null, 0, 0n],
    ['nothing unused', 0n, 100n, 30n, null, 0n],
  ])('%s', (_label, unused, amount, maxAmount, maxPercent, rolled) => {
    expect(rolloverAmount(unused, amount, { maxAmount, maxPercent })).toBe(rolled);
  });
});
