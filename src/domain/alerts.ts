import { divRoundHalfEven } from './money.js';

/**
 * Low-credit thresholds (SPEC §3.11). A threshold is either an absolute
 * amount of credits or a percentage of the included credits granted under
 * the organization's active included grants.
 */
export type Threshold = { credits: bigint; pctBp: null } | { credits: null; pctBp: number };

/** The credit level of a threshold, in micro-credits. Percentages round half-even. */
export function thresholdLevel(t: Threshold, includedGranted: bigint): bigint {
  if (t.credits !== null) return t.credits;
  return divRoundHalfEven(includedGranted * BigInt(t.pctBp), 10_000n);
}

export type ThresholdState = 'armed' | 'fired';

/**
 * One alert per crossing: an armed threshold fires when available falls below
 * its level, and re-arms (with a resolved notice) once available is back at
 * or above it. Anything else changes nothing, however often it is evaluated.
 */
export function crossing(state: ThresholdState, available: bigint, level: bigint): 'fire' | 'resolve' | null {
  if (state === 'armed' && available < level) return 'fire';
  if (state === 'fired' && available >= level) return 'resolve';
  return null;
}

export interface AutoRechargeRule {
  enabled: boolean;
  threshold: bigint;
  maxPerMonth: number;
  cooldownMinutes: number;
  inFlight: boolean;
  lastStartedAt: Date | null;
  lastFailedAt: Date | null;
}

export type RechargeDecision =
  | { buy: true }
  | { buy: false; reason: 'disabled' | 'above_threshold' | 'in_flight' | 'cooling_down' | 'monthly_cap' };

/**
 * Whether auto-recharge buys now: below the threshold, nothing in flight,
 * the cooldown since the last attempt or failure over, and the month's cap
 * (purchases started this calendar month, failed ones excluded) not reached.
 */
export function rechargeDecision(rule: AutoRechargeRule, available: bigint, startedThisMonth: number, now: Date): RechargeDecision {
  if (!rule.enabled) return { buy: false, reason: 'disabled' };
  if (available >= rule.threshold) return { buy: false, reason: 'above_threshold' };
  if (rule.inFlight) return { buy: false, reason: 'in_flight' };
  const last = Math.max(rule.lastStartedAt?.getTime() ?? -Infinity, rule.lastFailedAt?.getTime() ?? -Infinity);
  if (now.getTime() < last + rule.cooldownMinutes * 60_000) return { buy: false, reason: 'cooling_down' };
  if (startedThisMonth >= rule.maxPerMonth) return { buy: false, reason: 'monthly_cap' };
  return { buy: true };
}
