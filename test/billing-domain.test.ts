import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, daysLeftInPeriod, periodDays, periodKeysNewestFirst } from '../src/domain/periods.js';
import { groupedMicro, purchaseLine } from '../src/domain/invoice.js';
import { percentOf, shareOf } from '../src/domain/shares.js';
import { buildStatement, checkIdentity, StatementIdentityError, zeroFlows } from '../src/domain/statement.js';
import { periodByKey } from '../src/domain/time.js';

describe('billing periods', () => {
  it.each([
    // zone, period, first local day, end (exclusive), starts_at, ends_at
    ['Europe/Paris', '2026-03', '2026-03-01', '2026-04-01', '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'],
    ['America/New_York', '2026-11', '2026-11-01', '2026-12-01', '2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z'],
    ['UTC', '2028-02', '2028-02-01', '2028-03-01', '2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z'],
    ['Asia/Kolkata', '2026-12', '2026-12-01', '2027-01-01', '2026-11-30T18:30:00.000Z', '2026-12-31T18:30:00.000Z'],
  ])('%s %s runs from %s to %s', (zone, key, first, end, startsAt, endsAt) => {
    const p = periodByKey(key, zone);
    expect(periodDays(p, zone)).toEqual({ first, end });
    expect([p.startsAt.toISOString(), p.endsAt.toISOString()]).toEqual([startsAt, endsAt]);
  });

  it('walks days and periods', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-03-29', '2026-04-02')).toEqual(['2026-03-29', '2026-03-30', '2026-03-31', '2026-04-01']);
    expect(periodKeysNewestFirst('2025-11', '2026-02', 'UTC')).toEqual(['2026-02', '2026-01', '2025-12', '2025-11']);
    expect(daysLeftInPeriod(new Date('2026-03-31T21:59:00Z'), 'Europe/Paris')).toBe(1);
    expect(daysLeftInPeriod(new Date('2026-03-31T22:00:00Z'), 'Europe/Paris')).toBe(30);
  });
});

describe('statement arithmetic', () => {
  const day = (d: string, f: Partial<ReturnType<typeof zeroFlows>>) => ({ ...zeroFlows(d), ...f });

  it('runs the end-of-day balance and sums the summary', () => {
    const s = buildStatement(100n, [
      day('2026-03-01', { granted: 50n, purchased: 20n, net: 70n }),
      day('2026-03-02', { consumed: 30n, overage: 5n, net: -30n }),
      day('2026-03-03', { adjustments: -10n, expired: 15n, net: -25n }),
    ]);
    expect(s.days.map((d) => [d.day, d.topUps, d.creditsUsed, d.expired, d.balance])).toEqual([
      ['2026-03-01', 70n, 0n, 0n, 170n],
      ['2026-03-02', 0n, 30n, 0n, 140n],
      ['2026-03-03', 0n, 0n, 15n, 115n],
    ]);
    expect(s.summary).toEqual({ broughtForward: 100n, purchased: 20n, granted: 50n, adjustments: -10n, consumed: 30n, expired: 15n, rolledOver: 0n, forfeited: 0n, corrections: 0n, closing: 115n });
    expect(() => checkIdentity(s.summary)).not.toThrow();
  });

  it('counts forfeited credit out of the balance and rolled-over credit as moved within it', () => {
    const s = buildStatement(100n, [
      // 60 unused of a scheduled grant: 25 roll over into a new block (net 0), 35 are forfeited
      day('2026-04-01', { granted: 100n, rolledOver: 25n, forfeited: 35n, net: 65n }),
      day('2026-04-02', { consumed: 10n, net: -10n }),
    ]);
    expect(s.summary).toMatchObject({ rolledOver: 25n, forfeited: 35n, expired: 0n, closing: 155n });
    expect(s.days[0]).toMatchObject({ topUps: 100n, expired: 35n, balance: 165n });
    expect(() => checkIdentity(s.summary)).not.toThrow();
    // a rollover that lost credit on the way (net short of the classified flows) is refused
    expect(() => checkIdentity(buildStatement(0n, [day('2026-04-01', { granted: 10n, rolledOver: 5n, net: 5n })]).summary)).toThrow(
      StatementIdentityError,
    );
  });

  it('refuses a statement whose balance moved by something it does not classify', () => {
    const s = buildStatement(0n, [day('2026-03-01', { granted: 10n, net: 9n })]);
    expect(() => checkIdentity(s.summary)).toThrow(StatementIdentityError);
  });
});

describe('shares and percentages', () => {
  it.each([
    [1n, 3n, 0.3333],
    [2n, 3n, 0.6667],
    [0n, 5n, 0],
    [5n, 0n, 0],
    [1n, 20_000n, 0.0001],
  ])('share of %s in %s is %s', (part, whole, share) => expect(shareOf(part, whole)).toBe(share));

  it.each([
    [1_900_500_000n, 10_000_000_000n, 19],
    [425n, 1000n, 42.5],
    [1n, 3n, 33.3],
    [5n, 0n, null],
    [5n, null, null],
  ])('%s of %s is %s %', (used, limit, pct) => expect(percentOf(used, limit)).toBe(pct));
});

describe('credit purchase invoice lines', () => {
  it.each([
    // credits, price USD (micro; null = none) → description, quantity, unit price, amount
    [5_000_000_000n, 49_990_000n, 'Credit purchase (5,000 credits)', '5000', '0.009998', '49.99'],
    [3_000_000n, 10_000_000n, 'Credit purchase (3 credits)', '3', '3.333333', '10'],
    [3_000_000n, 20_000_000n, 'Credit purchase (3 credits)', '3', '6.666667', '20'],
    // 0.0000025 per credit: half-even rounds the tie to the even 0.000002
    [4_000_000_000n, 10_000n, 'Credit purchase (4,000 credits)', '4000', '0.000002', '0.01'],
    // 0.0000035 per credit: the tie rounds up to the even 0.000004; the line itself is whole cents ($0.007 → $0.01)
    [2_000_000_000n, 7_000n, 'Credit purchase (2,000 credits)', '2000', '0.000004', '0.01'],
    [1_234_567_500_000n, null, 'Credit purchase (1,234,567.5 credits)', '1234567.5', '0', '0'],
    [500_000n, 0n, 'Credit purchase (0.5 credits)', '0.5', '0', '0'],
  ])('%s credits for %s → %s at %s × %s = %s', (amount, priceUsd, description, quantity, unitPrice, amountUsd) => {
    expect(purchaseLine({ amount, priceUsd })).toEqual({
      meter: 'credit_purchase',
      description,
      quantity,
      unit: 'credits',
      unit_price_usd: unitPrice,
      amount_usd: amountUsd,
    });
  });

  it('groups thousands exactly, keeping the fraction digit for digit', () => {
    expect(groupedMicro(0n)).toBe('0');
    expect(groupedMicro(999_000_000n)).toBe('999');
    expect(groupedMicro(1_000_000_000n)).toBe('1,000');
    expect(groupedMicro(-1_234_000_001n)).toBe('-1,234.000001');
    expect(groupedMicro(123_456_789_012_345_678n)).toBe('123,456,789,012.345678');
  });

  it('refuses a purchase of no credits', () => {
    expect(() => purchaseLine({ amount: 0n, priceUsd: 1n })).toThrow(RangeError);
  });
});
