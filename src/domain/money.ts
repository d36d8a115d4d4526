/**
 * Credits and USD are exact decimals with six fractional digits. Inside Tally
 * they are bigint micro-units; at the edge they are decimal strings.
 */
export const MICRO = 1_000_000n;

/**
 * The largest amount (credits, USD, quantity, price, factor, and the cost of
 * one event) Tally takes: one trillion. In micro-units that is 10^18, inside a
 * BIGINT (at most about 9.2 × 10^18); larger input is a 400 invalid_amount
 * rather than an overflow inside the database. (Sums of several maximal
 * amounts can still overflow there; the database's error maps to the same 400.)
 */
export const MAX_AMOUNT_MICRO = 1_000_000_000_000n * MICRO;

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export class AmountFormatError extends Error {}

/** Parses "12.5", "0.000125" or a JSON number into micro-units. Rejects a 7th decimal. */
export function parseMicro(input: string | number): bigint {
  const text = typeof input === 'number' ? numberToPlain(input) : input.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new AmountFormatError(`"${String(input)}" is not a decimal number`);
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > 6) {
    throw new AmountFormatError(`"${String(input)}" has more than 6 decimal places`);
  }
  const micro = BigInt(whole!) * MICRO + BigInt(fraction.padEnd(6, '0'));
  return sign ? -micro : micro;
}

// JSON numbers like 1e-7 or 0.1+0.2 must not sneak in as imprecise amounts:
// String() gives the shortest round-trip form, which we then parse strictly.
function numberToPlain(n: number): string {
  if (!Number.isFinite(n)) throw new AmountFormatError(`${n} is not a finite number`);
  const text = String(n);
  if (/e/i.test(text)) {
    throw new AmountFormatError(`${text} must be written as a plain decimal with at most 6 decimal places`);
  }
  return text;
}

/** Formats micro-units as the shortest exact decimal string ("12.5", "-0.000125", "0"). */
export function formatMicro(micro: bigint): string {
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  const whole = abs / MICRO;
  const fraction = (abs % MICRO).toString().padStart(6, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/**
 * Integer division rounding half to even ("banker's rounding"). Half-even is
 * what the SPEC asks for: it carries no bias over millions of conversions,
 * where half-up would drift upwards.
 */
export function divRoundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  if (denominator < 0n) return divRoundHalfEven(-numerator, -denominator);
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let q = n / denominator;
  const twice = (n % denominator) * 2n;
  if (twice > denominator || (twice === denominator && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

export const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const sumBig = (values: Iterable<bigint>): bigint => {
  let total = 0n;
  for (const v of values) total += v;
  return total;
};
