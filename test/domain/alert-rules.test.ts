import { describe, expect, it } from 'vitest';
import { allocationLevel, isSpike, median } from '../../src/domain/alert-rules.js';

describe('median', () => {
  it.each([
    [[], 0n],
    [[5n], 5n],
    [[3n, 1n, 2n], 2n],
    [[1n, 2n, 3n, 10n], 2n], // (2 + 3) / 2 rounded down
    [[0n, 0n, 0n, 7n], 0n],
  ])('%s → %s', (xs, m) => expect(median(xs)).toBe(m));
});

describe('isSpike', () => {
  it.each([
    ['above 3 × median', 31n, [10n, 10n, 10n], 300, 0n, true],
    ['exactly 3 × median is not a spike', 30n, [10n, 10n, 10n], 300, 0n, false],
    ['below the minimum volume', 31n, [10n, 10n, 10n], 300, 50n, false],
    ['a quiet history (median 0): any usage at the minimum', 50n, [0n, 0n, 9n], 300, 50n, true],
    ['no history: never', 1000n, [], 300, 0n, false],
    ['fractional factor 1.5', 16n, [10n], 150, 0n, true],
  ] as const)('%s', (_, day, trailing, pct, min, expected) => expect(isSpike(day, [...trailing], pct, min)).toBe(expected));
});

describe('allocationLevel', () => {
  it.each([
    [{ credits: 20n }, 150n, 20n],
    [{ pctBp: 1000 }, 150n, 15n],
    [{ pctBp: 2500 }, 10n, 2n], // 2.5 rounds half-even to 2
  ] as const)('%o of %s → %s', (t, allocation, level) => expect(allocationLevel(t, allocation)).toBe(level));
});
