import { describe, expect, it } from 'vitest';
import { divRoundHalfEven, formatMicro, parseMicro } from '../../src/domain/money.js';
import { rate, type MeterPrice } from '../../src/domain/rating.js';

describe('money', () => {
  it.each([
    ['12.5', 12_500_000n],
    ['0.000125', 125n],
    ['0', 0n],
    ['-3.25', -3_250_000n],
    ['1000000', 1_000_000_000_000n],
    [12.5, 12_500_000n],
    [0.000001, 1n],
    [7, 7_000_000n],
  ])('parses %s', (input, micro) => {
    expect(parseMicro(input)).toBe(micro);
  });

  it.each(['1.0000001', '0.1234567', 'abc', '1e5', '', '1.', '.5', 1e-7, Number.NaN])('rejects %s', (input) => {
    expect(() => parseMicro(input)).toThrow();
  });

  it.each([
    [12_500_000n, '12.5'],
    [125n, '0.000125'],
    [0n, '0'],
    [-1n, '-0.000001'],
    [9_007_199_254_740_993_000_000n, '9007199254740993'],
  ])('formats %s as %s', (micro, text) => {
    expect(formatMicro(micro)).toBe(text);
  });

  it.each([
    [5n, 2n, 2n], // 2.5 → 2 (even)
    [7n, 2n, 4n], // 3.5 → 4 (even)
    [-5n, 2n, -2n],
    [-7n, 2n, -4n],
    [10n, 4n, 2n], // 2.5 → 2
    [11n, 4n, 3n], // 2.75 → 3
    [9n, 4n, 2n], // 2.25 → 2
    [1n, 3n, 0n],
    [2n, 3n, 1n],
  ])('rounds %s / %s half-even to %s', (n, d, q) => {
    expect(divRoundHalfEven(n, d)).toBe(q);
  });
});

describe('rating', () => {
  const usd: MeterPrice = { aggregation: 'sum', unitPrice: 2_000_000n, priceCurrency: 'usd', resourceClassPrices: { a100: 3_500_000n } };
  const credits: MeterPrice = { aggregation: 'sum', unitPrice: 1_000_000n, priceCurrency: 'credits', resourceClassPrices: {} };
  const count: MeterPrice = { aggregation: 'count', unitPrice: 250_000n, priceCurrency: 'credits', resourceClassPrices: {} };

  it('converts USD to credits with the factor, rounding once', () => {
    // 1.5 h × $2 × 1000 credits/$ = 3000 credits
    expect(rate(usd, 1_500_000n, null, 1_000_000_000n)).toEqual({ credits: 3_000_000_000n, usd: 3_000_000n });
    // resource class price: 1 h × $3.5
    expect(rate(usd, 1_000_000n, 'a100', 1_000_000_000n).usd).toBe(3_500_000n);
    // 0.000001 h × $2 × 0.5 credits/$ = 0.000001 credits exactly; × 0.25 → 0.0000005 → half-even → 0
    expect(rate(usd, 1n, null, 500_000n).credits).toBe(1n);
    expect(rate(usd, 1n, null, 250_000n).credits).toBe(0n);
    expect(rate(usd, 3n, null, 250_000n).credits).toBe(2n); // 1.5 → 2
  });

  it('bills a count meter one unit per event and ignores credit tracking off', () => {
    expect(rate(count, 9_000_000n, null, 1n).credits).toBe(250_000n);
    expect(rate(credits, 2_000_000n, null, 0n)).toEqual({ credits: 0n, usd: null });
    expect(rate(usd, 2_000_000n, null, 0n)).toEqual({ credits: 0n, usd: 4_000_000n });
  });
});
