/**
 * Exact decimal strings from the API, compared and validated without floats.
 * Only charts turn them into numbers (their geometry needs it); every figure a
 * person reads is the string itself, formatted by format.ts.
 */
import { parseMicro } from '../../src/domain/money.js';

/** The API's decimal strings in micro-units (the domain's parser); what is not a decimal compares as 0. */
function scaled(value: string): bigint {
  try {
    return parseMicro(value);
  } catch {
    return 0n;
  }
}

export function compareDecimal(a: string, b: string): number {
  const x = scaled(a);
  const y = scaled(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A non-negative amount a person typed: digits, at most six decimals (micro-credits). */
export const AMOUNT_INPUT = /^\d{1,15}(\.\d{1,6})?$/;

export function amountError(value: string, { allowZero = true }: { allowZero?: boolean } = {}): string | null {
  const v = value.trim();
  if (!AMOUNT_INPUT.test(v)) return 'Enter an amount like 1200 or 12.5 (at most 6 decimals).';
  if (!allowZero && scaled(v) === 0n) return 'Enter an amount above 0.';
  return null;
}

/** Two decimal strings are the same amount ("10" and "10.0"). */
export const sameAmount = (a: string, b: string) => compareDecimal(a, b) === 0;

/** For chart geometry only. */
export const chartNumber = (value: string) => Number(value);
