import { divRoundHalfEven } from './money.js';

/** The median of daily figures; of an even count, the mean of the middle two (rounded down). */
export function median(xs: bigint[]): bigint {
  if (xs.length === 0) return 0n;
  const sorted = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2n;
}

/**
 * A usage spike (SPEC §3.17): the day's usage exceeds factor × the trailing
 * median and reaches the minimum volume. `factorPct` is the factor in
 * hundredths (3.5 → 350), so the comparison stays in integers.
 */
export function isSpike(day: bigint, trailing: bigint[], factorPct: number, minCredits: bigint): boolean {
  if (trailing.length === 0 || day < minCredits) return false;
  return day * 100n > median(trailing) * BigInt(factorPct);
}

/** An allocation threshold in credits: absolute, or a percentage (in basis points) of the allocation, half-even. */
export function allocationLevel(t: { credits: bigint } | { pctBp: number }, allocation: bigint): bigint {
  return 'credits' in t ? t.credits : divRoundHalfEven(allocation * BigInt(t.pctBp), 10_000n);
}
