import { describe, expect, it } from 'vitest';
import { blockApplies, describeAppliesTo, normalizeAppliesTo } from '../../src/domain/appliesTo.js';
import { alignedToLocalDays, capWindowContaining, newlyCrossed, usedBasisPoints, type CapWindow } from '../../src/domain/capWindows.js';
import type { Cadence } from '../../src/domain/cycles.js';

const H = 3_600_000;
const monthly = { anchor: new Date('2026-01-01T00:00:00Z'), cadence: 'calendar_month' as Cadence };

describe('capWindowContaining', () => {
  // New York: DST starts Mar 8 2026 (02:00 → 03:00), ends Nov 1 2026. Paris: Mar 29 and Oct 25 2026.
  const cases: { name: string; window: CapWindow; zone: string; at: string; start: string; end: string; hours?: number; cycle?: { anchor: string; cadence: Cadence } }[] = [
    { name: '1d on the spring DST day is 23 hours', window: '1d', zone: 'America/New_York', at: '2026-03-08T15:00:00Z', start: '2026-03-08T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z', hours: 23 },
    { name: '1d on the autumn DST day is 25 hours', window: '1d', zone: 'America/New_York', at: '2026-11-01T15:00:00Z', start: '2026-11-01T04:00:00.000Z', end: '2026-11-02T05:00:00.000Z', hours: 25 },
    { name: '1d: local midnight belongs to the new day', window: '1d', zone: 'Europe/Paris', at: '2026-03-09T23:00:00Z', start: '2026-03-09T23:00:00.000Z', end: '2026-03-10T23:00:00.000Z', hours: 24 },
    { name: '1d: the last instant of the local day', window: '1d', zone: 'Europe/Paris', at: '2026-03-09T22:59:59.999Z', start: '2026-03-08T23:00:00.000Z', end: '2026-03-09T23:00:00.000Z' },
    { name: '1w is the local ISO week, 167 hours over spring DST', window: '1w', zone: 'America/New_York', at: '2026-03-08T15:00:00Z', start: '2026-03-02T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z', hours: 167 },
    { name: '1w over autumn DST in Paris is 169 hours', window: '1w', zone: 'Europe/Paris', at: '2026-10-25T12:00:00Z', start: '2026-10-18T22:00:00.000Z', end: '2026-10-25T23:00:00.000Z', hours: 169 },
    { name: '1w spanning a month end', window: '1w', zone: 'UTC', at: '2026-04-01T10:00:00Z', start: '2026-03-30T00:00:00.000Z', end: '2026-04-06T00:00:00.000Z' },
    { name: 'calendar_month: January ends on the 31st', window: 'calendar_month', zone: 'UTC', at: '2026-01-31T23:59:59Z', start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' },
    { name: 'calendar_month: February 2026 has 28 days', window: 'calendar_month', zone: 'UTC', at: '2026-02-28T12:00:00Z', start: '2026-02-01T00:00:00.000Z', end: '2026-03-01T00:00:00.000Z', hours: 28 * 24 },
    { name: 'calendar_month: February 2028 has 29 days', window: 'calendar_month', zone: 'UTC', at: '2028-02-29T12:00:00Z', start: '2028-02-01T00:00:00.000Z', end: '2028-03-01T00:00:00.000Z', hours: 29 * 24 },
    { name: 'calendar_month over spring DST loses an hour', window: 'calendar_month', zone: 'Europe/Paris', at: '2026-03-15T12:00:00Z', start: '2026-02-28T23:00:00.000Z', end: '2026-03-31T22:00:00.000Z', hours: 31 * 24 - 1 },
    { name: 'calendar_month: UTC already in the next local month', window: 'calendar_month', zone: 'Asia/Tokyo', at: '2026-03-31T16:00:00Z', start: '2026-03-31T15:00:00.000Z', end: '2026-04-30T15:00:00.000Z' },
    { name: 'cycle follows the account cycle series', window: 'cycle', zone: 'UTC', at: '2026-03-20T00:00:00Z', start: '2026-03-17T15:20:00.000Z', end: '2026-03-24T15:20:00.000Z', cycle: { anchor: '2026-03-17T15:20:00Z', cadence: '1w' } },
    { name: 'cycle of calendar months anchored on Jan 31 ends Feb 28', window: 'cycle', zone: 'UTC', at: '2026-02-10T00:00:00Z', start: '2026-01-31T10:00:00.000Z', end: '2026-02-28T10:00:00.000Z', cycle: { anchor: '2026-01-31T10:00:00Z', cadence: 'calendar_month' } },
  ];
  it.each(cases)('$name', (c) => {
    const cycle = c.cycle ? { anchor: new Date(c.cycle.anchor), cadence: c.cycle.cadence } : monthly;
    const w = capWindowContaining(c.window, c.zone, new Date(c.at), cycle);
    expect([w.startsAt.toISOString(), w.endsAt.toISOString()]).toEqual([c.start, c.end]);
    if (c.hours !== undefined) expect((w.endsAt.getTime() - w.startsAt.getTime()) / H).toBe(c.hours);
    expect(w.startsAt <= new Date(c.at) && new Date(c.at) < w.endsAt).toBe(true);
  });

  it('knows which windows whole local days cover', () => {
    const zone = 'America/New_York';
    const at = new Date('2026-03-08T15:00:00Z');
    expect(alignedToLocalDays(capWindowContaining('1d', zone, at, monthly), zone)).toBe(true);
    expect(alignedToLocalDays(capWindowContaining('1w', zone, at, monthly), zone)).toBe(true);
    const midDay = { anchor: new Date('2026-03-07T17:30:00Z'), cadence: '1d' as Cadence };
    expect(alignedToLocalDays(capWindowContaining('cycle', zone, at, midDay), zone)).toBe(false);
    const twelveHours = { anchor: new Date('2026-03-07T05:00:00Z'), cadence: '12h' as Cadence };
    expect(alignedToLocalDays(capWindowContaining('cycle', zone, new Date('2026-03-08T20:00:00Z'), twelveHours), zone)).toBe(false);
  });
});

describe('cap thresholds', () => {
  const cases: { name: string; percents: number[]; notified: number; usedBp: bigint; crossed: number[] }[] = [
    { name: 'nothing reached', percents: [80, 90, 100], notified: 0, usedBp: 7_999n, crossed: [] },
    { name: 'exactly 80 %', percents: [80, 90, 100], notified: 0, usedBp: 8_000n, crossed: [80] },
    { name: 'a jump crosses several at once', percents: [80, 90, 100], notified: 0, usedBp: 12_000n, crossed: [80, 90, 100] },
    { name: 'an alerted percent is not alerted again', percents: [80, 90, 100], notified: 80, usedBp: 8_900n, crossed: [] },
    { name: 'the next one after an alerted one', percents: [80, 90, 100], notified: 80, usedBp: 9_000n, crossed: [90] },
    { name: 'duplicates and order do not matter', percents: [100, 50, 50], notified: 0, usedBp: 10_000n, crossed: [50, 100] },
  ];
  it.each(cases)('$name', (c) => expect(newlyCrossed(c.percents, c.notified, c.usedBp)).toEqual(c.crossed));

  it('measures use in basis points of the limit, a zero limit being used by any use', () => {
    expect(usedBasisPoints(45_000_000n, 50_000_000n)).toBe(9_000n);
    expect(usedBasisPoints(1n, 3n)).toBe(3_333n);
    expect(usedBasisPoints(0n, 0n)).toBe(0n);
    expect(usedBasisPoints(1n, 0n)).toBe(10_000n);
  });
});

describe('blockApplies', () => {
  const tokens = { key: 'tokens', category: 'inference' };
  const gpu = { key: 'gpu', category: 'training' };
  const cases: { name: string; appliesTo: Parameters<typeof blockApplies>[0]; meter: typeof tokens; pays: boolean }[] = [
    { name: 'an unscoped grant pays everything', appliesTo: null, meter: gpu, pays: true },
    { name: 'empty lists are no scope', appliesTo: { meters: [], categories: [] }, meter: gpu, pays: true },
    { name: 'a category scope pays its category', appliesTo: { categories: ['inference'] }, meter: tokens, pays: true },
    { name: 'a category scope never pays another category', appliesTo: { categories: ['inference'] }, meter: gpu, pays: false },
    { name: 'a meter scope pays its meter', appliesTo: { meters: ['gpu'] }, meter: gpu, pays: true },
    { name: 'a meter scope never pays another meter of the same category', appliesTo: { meters: ['gpu'] }, meter: { key: 'cpu', category: 'training' }, pays: false },
    { name: 'meters and categories widen each other', appliesTo: { meters: ['gpu'], categories: ['inference'] }, meter: tokens, pays: true },
  ];
  it.each(cases)('$name', (c) => expect(blockApplies(c.appliesTo, c.meter)).toBe(c.pays));

  it('stores scopes in one form and reads them as people do', () => {
    expect(normalizeAppliesTo({ meters: ['b', 'a', 'a'], categories: [] })).toEqual({ meters: ['a', 'b'] });
    expect(normalizeAppliesTo({ meters: [] })).toBeNull();
    const names = (_kind: 'meter' | 'category', key: string) => key[0]!.toUpperCase() + key.slice(1);
    expect(describeAppliesTo({ categories: ['inference'] }, names)).toBe('Inference only');
    expect(describeAppliesTo({ categories: ['inference'], meters: ['gpu', 'tokens'] }, names)).toBe('Inference, Gpu and Tokens only');
    expect(describeAppliesTo(null, names)).toBeNull();
  });
});
