/**
 * Exact decimal strings from the API, compared and validated without floats.
 * Only charts turn them into numbers (their geometry needs it); every figure a
 * person reads is the string itself, formatted by format.ts.
 */
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

function scaled(value: string): bigint {
  const m = DECIMAL.exec(value.trim());
  if (!m) return 0n;
  const micro = BigInt(m[2]!) * 1_000_000n + BigInt((m[3] ?? '').slice(0, 6).padEnd(6, '0'));
  return m[1] ? -micro : micro;
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
