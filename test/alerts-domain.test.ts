import { describe, expect, it } from 'vitest';
import { crossing, rechargeDecision, thresholdLevel, type AutoRechargeRule } from '../src/domain/alerts.js';
import { backoffMs, RETRY, shouldRetry } from '../src/domain/backoff.js';

describe('thresholdLevel', () => {
  it.each([
    [{ credits: 50_000_000n, pctBp: null }, 0n, 50_000_000n],
    [{ credits: null, pctBp: 1000 }, 100_000_000n, 10_000_000n],
    [{ credits: null, pctBp: 1250 }, 3n, 0n], // 0.375 µ rounds half-even to 0
    [{ credits: null, pctBp: 5000 }, 3n, 2n], // 1.5 µ rounds half-even to 2
    [{ credits: null, pctBp: 5000 }, 5n, 2n], // 2.5 µ rounds half-even to 2
    [{ credits: null, pctBp: 10000 }, 7n, 7n],
    [{ credits: null, pctBp: 2000 }, 0n, 0n],
  ] as const)('%o of %s included → %s', (t, included, level) => {
    expect(thresholdLevel(t, included)).toBe(level);
  });
});

describe('crossing', () => {
  it.each([
    ['armed', 49n, 50n, 'fire'],
    ['armed', 50n, 50n, null],
    ['armed', 51n, 50n, null],
    ['fired', 49n, 50n, null],
    ['fired', 50n, 50n, 'resolve'],
    ['fired', 80n, 50n, 'resolve'],
    ['armed', -1n, 0n, 'fire'],
  ] as const)('%s with available %s and level %s → %s', (state, available, level, expected) => {
    expect(crossing(state, available, level)).toBe(expected);
  });
});

describe('rechargeDecision', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  const base: AutoRechargeRule = {
    enabled: true,
    threshold: 100n,
    maxPerMonth: 2,
    cooldownMinutes: 30,
    inFlight: false,
    lastStartedAt: null,
    lastFailedAt: null,
  };
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
  it.each([
    ['below, nothing in the way', base, 99n, 0, { buy: true }],
    ['disabled', { ...base, enabled: false }, 0n, 0, { buy: false, reason: 'disabled' }],
    ['at the threshold', base, 100n, 0, { buy: false, reason: 'above_threshold' }],
    ['one in flight', { ...base, inFlight: true }, 0n, 0, { buy: false, reason: 'in_flight' }],
    ['started 29 minutes ago', { ...base, lastStartedAt: minutesAgo(29) }, 0n, 1, { buy: false, reason: 'cooling_down' }],
    ['started 30 minutes ago', { ...base, lastStartedAt: minutesAgo(30) }, 0n, 1, { buy: true }],
    ['failed 10 minutes ago', { ...base, lastStartedAt: minutesAgo(90), lastFailedAt: minutesAgo(10) }, 0n, 0, { buy: false, reason: 'cooling_down' }],
    ['cap reached', base, 0n, 2, { buy: false, reason: 'monthly_cap' }],
  ] as const)('%s', (_name, rule, available, started, expected) => {
    expect(rechargeDecision(rule, available, started, now)).toEqual(expected);
  });
});

describe('backoff', () => {
  it.each([
    [1, 0, 15_000],
    [1, 0.999999, 30_000],
    [2, 0, 30_000],
    [3, 0.5, 90_000],
    [8, 1, 3_840_000],
    [20, 0, RETRY.capMs / 2],
    [20, 1, RETRY.capMs],
  ])('attempt %s with random %s waits %s ms', (n, r, ms) => {
    expect(backoffMs(n, r)).toBe(ms);
  });

  it('stops after the retry limit', () => {
    expect(shouldRetry(RETRY.maxAttempts - 1)).toBe(true);
    expect(shouldRetry(RETRY.maxAttempts)).toBe(false);
  });
});
