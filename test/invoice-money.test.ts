import { describe, expect, it } from 'vitest';
import { overageRepaidLine, toCents } from '../src/domain/invoice.js';
import { invoiceTotals } from '../src/domain/statement.js';

describe('invoice money rule: each line in whole cents, rounded once, half-even', () => {
  it.each([
    // micro-dollars → micro-dollars of whole cents
    [292_371_000n, 292_370_000n], // $292.371 → $292.37
    [7_574_400n, 7_570_000n], // $7.5744 → $7.57
    [5_000n, 0n], // half a cent, to the even cent 0
    [15_000n, 20_000n], // 1.5 cents → 2 (even)
    [25_000n, 20_000n], // 2.5 cents → 2 (even)
    [25_001n, 30_000n], // just over half → up
    [-15_000n, -20_000n], // a credit rounds the same way as a charge
    [919_963_400n, 919_960_000n],
  ])('%s → %s', (exact, cents) => {
    expect(toCents(exact)).toBe(cents);
  });

  it.each([
    // overage credits, credits per $1 (micro) → amount due in whole cents, rounded once from the exact value
    [1_000_250_000n, 1_000_000_000n, 1_000_000n], // 1000.25 credits at 1000/$ = $1.00025 → $1.00
    [5_000n, 1_000_000n, 0n], // 0.005 credits at 1/$ = half a cent → $0.00 (even)
    [15_000n, 1_000_000n, 20_000n], // 1.5 cents → 2 cents
    // $0.0149996…: rounding twice (to $0.015000, then to cents) would give 2 cents; once gives 1
    [44_999n, 3_000_000n, 10_000n],
  ])('overage %s at factor %s → %s due', (overage, creditFactor, due) => {
    const t = invoiceTotals({ usageUsd: 10_000_000n, consumed: overage, overage, creditFactor });
    expect(t.amountDueUsd).toBe(due);
    expect(t.creditsAppliedUsd).toBe(10_000_000n - due);
  });

  it('the credit line for repaid overage is negative whole cents and names the credits', () => {
    expect(overageRepaidLine(1_000_000_000n, 1_000_000_000n)).toMatchObject({ meter: 'overage_repaid', quantity: '1000', amount_usd: '-1' });
    expect(overageRepaidLine(12_345_678n, 1_000_000_000n)?.amount_usd).toBe('-0.01');
    expect(overageRepaidLine(0n, 1_000_000_000n)).toBeNull();
    expect(overageRepaidLine(5n, 0n)).toBeNull(); // credit tracking off: overage was never billed as credits
  });
});
