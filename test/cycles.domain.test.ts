import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundary, CYCLE_CADENCES, cycleContaining, initialAnchor, usagePct, type Cadence } from '../src/domain/cycles.js';

const iso = (d: Date) => d.toISOString();

describe('cycleContaining', () => {
  const cases: { name: string; anchor: string; cadence: Cadence; zone: string; at: string; start: string; end: string }[] = [
    // calendar months in a zone, across the spring and autumn DST changes (Paris: +1 → +2 on Mar 29, back on Oct 25, 2026)
    { name: 'calendar month over spring DST', anchor: '2026-02-28T23:00:00Z', cadence: 'calendar_month', zone: 'Europe/Paris', at: '2026-03-29T12:00:00Z', start: '2026-02-28T23:00:00.000Z', end: '2026-03-31T22:00:00.000Z' },
    { name: 'calendar month over autumn DST', anchor: '2026-02-28T23:00:00Z', cadence: 'calendar_month', zone: 'Europe/Paris', at: '2026-10-31T22:59:59Z', start: '2026-09-30T22:00:00.000Z', end: '2026-10-31T23:00:00.000Z' },
    { name: 'calendar month: its end belongs to the next', anchor: '2026-02-28T23:00:00Z', cadence: 'calendar_month', zone: 'Europe/Paris', at: '2026-03-31T22:00:00Z', start: '2026-03-31T22:00:00.000Z', end: '2026-04-30T22:00:00.000Z' },
    // a series anchored on Jan 31 (a reset): Feb 28, Feb 29 in a leap year, then back to the 31st
    { name: 'Jan 31 → Feb 28', anchor: '2026-01-31T10:00:00Z', cadence: 'calendar_month', zone: 'UTC', at: '2026-02-10T00:00:00Z', start: '2026-01-31T10:00:00.000Z', end: '2026-02-28T10:00:00.000Z' },
    { name: 'Feb 28 → Mar 31 (from the anchor, not the previous end)', anchor: '2026-01-31T10:00:00Z', cadence: 'calendar_month', zone: 'UTC', at: '2026-03-15T00:00:00Z', start: '2026-02-28T10:00:00.000Z', end: '2026-03-31T10:00:00.000Z' },
    { name: 'Jan 31 → Feb 29 in a leap year', anchor: '2028-01-31T10:00:00Z', cadence: 'calendar_month', zone: 'UTC', at: '2028-02-20T00:00:00Z', start: '2028-01-31T10:00:00.000Z', end: '2028-02-29T10:00:00.000Z' },
    // days on the local calendar: 23 and 25 hours long in New York
    { name: '1d is 23h on the spring DST day', anchor: '2026-03-07T05:00:00Z', cadence: '1d', zone: 'America/New_York', at: '2026-03-08T12:00:00Z', start: '2026-03-08T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z' },
    { name: '1d is 25h on the autumn DST day', anchor: '2026-10-31T04:00:00Z', cadence: '1d', zone: 'America/New_York', at: '2026-11-01T12:00:00Z', start: '2026-11-01T04:00:00.000Z', end: '2026-11-02T05:00:00.000Z' },
    { name: '15d', anchor: '2026-03-01T00:00:00Z', cadence: '15d', zone: 'UTC', at: '2026-03-20T00:00:00Z', start: '2026-03-16T00:00:00.000Z', end: '2026-03-31T00:00:00.000Z' },
    { name: '1w keeps local midnight over DST', anchor: '2026-03-02T05:00:00Z', cadence: '1w', zone: 'America/New_York', at: '2026-03-10T00:00:00Z', start: '2026-03-09T04:00:00.000Z', end: '2026-03-16T04:00:00.000Z' },
    { name: '12h is an exact duration', anchor: '2026-03-08T05:00:00Z', cadence: '12h', zone: 'America/New_York', at: '2026-03-08T18:00:00Z', start: '2026-03-08T17:00:00.000Z', end: '2026-03-09T05:00:00.000Z' },
    { name: '1h, just before the end', anchor: '2026-03-10T00:00:00Z', cadence: '1h', zone: 'UTC', at: '2026-03-10T13:59:59.999Z', start: '2026-03-10T13:00:00.000Z', end: '2026-03-10T14:00:00.000Z' },
    { name: 'before the anchor', anchor: '2026-03-10T00:00:00Z', cadence: '1d', zone: 'UTC', at: '2026-03-08T06:00:00Z', start: '2026-03-08T00:00:00.000Z', end: '2026-03-09T00:00:00.000Z' },
    // reset mid-cycle: the series is anchored at the reset instant, so the end is counted from it
    { name: 'reset mid-cycle (calendar month)', anchor: '2026-03-17T15:20:00Z', cadence: 'calendar_month', zone: 'Europe/Paris', at: '2026-03-17T15:20:00Z', start: '2026-03-17T15:20:00.000Z', end: '2026-04-17T14:20:00.000Z' }, // same local time, after the DST change
    { name: 'cadence change to 1w', anchor: '2026-03-17T15:20:00Z', cadence: '1w', zone: 'UTC', at: '2026-03-20T00:00:00Z', start: '2026-03-17T15:20:00.000Z', end: '2026-03-24T15:20:00.000Z' },
  ];
  it.each(cases)('$name', (c) => {
    const b = cycleContaining(new Date(c.anchor), c.cadence, c.zone, new Date(c.at));
    expect([iso(b.startsAt), iso(b.endsAt)]).toEqual([c.start, c.end]);
  });

  it('tiles time: every instant lies in exactly one cycle, and cycles meet end to start', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CYCLE_CADENCES),
        fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'),
        fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 0, 1) }),
        fc.integer({ min: 0, max: 3 * 365 * 86_400_000 }),
        (cadence, zone, anchorMs, offset) => {
          const anchor = new Date(anchorMs);
          const at = new Date(anchorMs + offset);
          const b = cycleContaining(anchor, cadence, zone, at);
          expect(b.startsAt.getTime()).toBeLessThanOrEqual(at.getTime());
          expect(at.getTime()).toBeLessThan(b.endsAt.getTime());
          expect(cycleContaining(anchor, cadence, zone, b.endsAt).startsAt.getTime()).toBe(b.endsAt.getTime());
          expect(boundary(anchor, cadence, zone, b.index).getTime()).toBe(b.startsAt.getTime());
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('initialAnchor', () => {
  it.each([
    { cadence: 'calendar_month' as const, zone: 'Europe/Paris', now: '2026-03-10T12:00:00Z', want: '2026-02-28T23:00:00.000Z' },
    { cadence: '1d' as const, zone: 'America/New_York', now: '2026-03-10T02:00:00Z', want: '2026-03-09T04:00:00.000Z' },
    { cadence: '12h' as const, zone: 'UTC', now: '2026-03-10T15:00:00Z', want: '2026-03-10T00:00:00.000Z' },
    { cadence: '1h' as const, zone: 'Asia/Kolkata', now: '2026-03-10T15:10:00Z', want: '2026-03-10T14:30:00.000Z' },
  ])('$cadence in $zone', ({ cadence, zone, now, want }) => {
    expect(iso(initialAnchor(cadence, zone, new Date(now)))).toBe(want);
  });
});

describe('usagePct', () => {
  it.each([
    { used: 0n, limit: 100n, want: '0' },
    { used: 333_333n, limit: 1_000_000n, want: '33.33' },
    { used: 1_500_000n, limit: 1_000_000n, want: '150' },
    { used: 5n, limit: 0n, want: '100' },
    { used: 5n, limit: null, want: null },
  ])('$used of $limit', ({ used, limit, want }) => expect(usagePct(used, limit)).toBe(want));
});
