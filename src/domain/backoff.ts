/**
 * Delivery retries: exponential backoff with jitter. The n-th failed attempt
 * (n ≥ 1) waits between half and all of base × 2^(n−1), capped. Jitter keeps
 * many messages that failed together from retrying in lockstep.
 */
export const RETRY = { baseMs: 30_000, capMs: 6 * 60 * 60 * 1000, maxAttempts: 8 } as const;

/** `random` is in [0, 1); injected so the maths is testable. */
export function backoffMs(failedAttempts: number, random: number, base: number = RETRY.baseMs, cap: number = RETRY.capMs): number {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** After this attempt failed, is there another one? */
export function shouldRetry(failedAttempts: number, maxAttempts: number = RETRY.maxAttempts): boolean {
  return failedAttempts < maxAttempts;
}
