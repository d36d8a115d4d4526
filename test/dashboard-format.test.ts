import { describe, expect, it } from 'vitest';
import type { PlanUsageRow } from '../src/client/index.js';
import { dayInZone, formatAmount, formatDay, formatUsd } from '../web/src/format.js';
import { planLine } from '../web/src/pages/plan-usage/planRows.js';

describe('dashboard amount formatting (exact decimal strings, never floats)', () => {
  it.each([
    ['0', 'en-US', {}, '0'],
    ['1234567.000125', 'en-US', {}, '1,234,567.000125'],
    ['1234567.000125', 'de-DE', {}, '1.234.567,000125'],
    ['-0.5', 'en-US', {}, '-0.5'],
    ['9007199254740993.000001', 'en-US', {}, '9,007,199,254,740,993.000001'],
    ['12.5', 'en-US', { minFraction: 2 }, '12.50'],
    ['1.005', 'en-US', { maxFraction: 2 }, '1.01'],
    ['1.994', 'en-US', { maxFraction: 2 }, '1.99'],
    ['9.999', 'en-US', { maxFraction: 2 }, '10'],
    ['-0.001', 'en-US', { maxFraction: 2 }, '0'],
    ['0.4', 'en-US', { maxFraction: 0 }, '0'],
    ['2.5', 'en-US', { maxFraction: 0 }, '3'],
  ] as const)('%s in %s %o → %s', (value, locale, options, expected) => {
    expect(formatAmount(value, locale, options)).toBe(expected);
  });

  it('groups by the locale (Indian lakh grouping, French narrow spaces)', () => {
    expect(formatAmount('1234567.5', 'en-IN')).toBe('12,34,567.5');
    expect(formatAmount('1234567.5', 'fr-FR')).toBe(`1${'\u202f'}234${'\u202f'}567,5`);
  });

  it('places the currency symbol where the locale does', () => {
    expect(formatUsd('1234.5', 'en-US')).toBe('$1,234.50');
    expect(formatUsd('1234.5', 'de-DE')).toBe('1.234,50\u00a0$');
    expect(formatUsd('-3', 'en-US')).toBe('-$3.00');
  });

  it('reads days in the organization time zone', () => {
    expect(dayInZone('2026-03-08T04:30:00Z', 'America/New_York')).toBe('2026-03-07');
    expect(dayInZone('2026-03-08T05:30:00Z', 'America/New_York')).toBe('2026-03-08');
    expect(formatDay('2026-03-08', 'en-US')).toBe('Mar 8, 2026');
  });
});

describe('plan usage labels (SPEC §6.3)', () => {
  const row = (key: string, used: string, limit: string | null, unlimited = false): PlanUsageRow => ({
    key,
    label: key,
    used,
    limit,
    remaining: null,
    unlimited,
    unit: key,
    pct: null,
  });

  it.each([
    [row('credits', '1500', '20000'), '18,500 of 20,000 training credits remaining', 92.5],
    [row('credits', '25000', '20000'), '0 of 20,000 training credits remaining', 0],
    [row('credits', '1500', null, true), 'Unlimited training credits remaining', null],
    [row('storage', '12.345', '100'), '12.35GB of 100GB storage used', 12.34],
    [row('storage', '12.3', null, true), '12.3GB storage used', null],
    [row('deployments', '3', '10'), '3 of 10 deployments used', 30],
    [row('deployments', '1', null, true), '1 deployment used', null],
    [row('seats', '1', null, true), '1 seat used', null],
    [row('seats', '7', '10'), '7 of 10 seats used', 70],
  ])('%o → %s', (r, label, bar) => {
    const line = planLine(r, 'en-US');
    expect(line.label).toBe(label);
    expect(line.bar).toBe(bar);
  });
});
