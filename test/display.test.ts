import { describe, expect, it } from 'vitest';
import { countOf, creditsText, exactCredits, formatCredits, formatUsd, quantityOf, roundsCredits } from '../src/domain/display.js';
import { singularUnit } from '../src/domain/labels.js';
import { describeNotification } from '../src/modules/outbox/messages.js';
import { meterLineName } from '../src/modules/statements/service.js';

/** The one set of display rules the dashboard and the server's text share (src/domain/display.ts). */
describe('display rules', () => {
  it.each([
    ['1234.5', 'en-US', '1,234.50', '1,234.5', false],
    ['12.345678', 'en-US', '12.35', '12.345678', true],
    ['-96999', 'en-US', '-96,999.00', '-96,999', false],
    ['0.000125', 'en-US', '0.00', '0.000125', true],
    ['-0.001', 'en-US', '0.00', '-0.001', true],
    ['9007199254740993.000001', 'en-US', '9,007,199,254,740,993.00', '9,007,199,254,740,993.000001', true],
    ['1234567.891', 'de-DE', '1.234.567,89', '1.234.567,891', true],
  ] as const)('credits %s in %s: shown %s, exact %s', (value, locale, shown, exact, rounds) => {
    expect(formatCredits(value, locale)).toBe(shown);
    expect(exactCredits(value, locale)).toBe(exact);
    expect(roundsCredits(value, locale)).toBe(rounds);
  });

  it('writes USD in whole cents with the locale’s symbol and separators', () => {
    expect(formatUsd('1234.5', 'en-US')).toBe('$1,234.50');
    expect(formatUsd('0.004999', 'en-US')).toBe('$0.00');
    expect(formatUsd('10.125', 'en-US')).toBe('$10.13');
    expect(formatUsd('1234.5', 'de-DE')).toBe('1.234,50\u00a0$');
    expect(formatUsd('-3', 'en-US')).toBe('-$3.00');
  });

  it('writes micro-credits in server text exact and grouped', () => {
    expect(creditsText(-96_999_000_000n)).toBe('-96,999');
    expect(creditsText(1_234_500_125n)).toBe('1,234.500125');
  });

  it.each([
    [1, 'seat', 'seats', 'en-US', '1 seat'],
    [0, 'message', 'messages', 'en-US', '0 messages'],
    [41, 'message', 'messages', 'en-US', '41 messages'],
    [1234, 'run', 'runs', 'en-US', '1,234 runs'],
    [12_345n, 'entry', 'entries', 'de-DE', '12.345 entries'],
  ] as const)('counts %s %s', (n, one, other, locale, expected) => {
    expect(countOf(n, one, other, locale)).toBe(expected);
  });

  it('reads a quantity with its stored plural unit', () => {
    expect(quantityOf('1', 'hours')).toBe('1 hour');
    expect(quantityOf('1.5', 'hours')).toBe('1.5 hours');
    expect(quantityOf('1234.567', 'GB', 'en-US', { maxFraction: 2 })).toBe('1,234.57 GB');
    expect(singularUnit('messages')).toBe('message');
    expect(singularUnit('GB')).toBe('GB');
  });

  it('names statement meter lines with grouped counts in the right number', () => {
    const meter = (aggregation: 'count' | 'sum' | 'max', unit: string) => ({ name: 'Agent chat', unit, aggregation }) as Parameters<typeof meterLineName>[1];
    expect(meterLineName({ meter: 'agent_chat', events: 41, quantity: 41_000_000n }, meter('count', 'messages'))).toBe('Agent chat — 41 messages');
    expect(meterLineName({ meter: 'agent_chat', events: 1, quantity: 1_000_000n }, meter('count', 'messages'))).toBe('Agent chat — 1 message');
    expect(meterLineName({ meter: 'agent_chat', events: 1234, quantity: 1_234_000_000n }, meter('count', 'messages'))).toBe('Agent chat — 1,234 messages');
    expect(meterLineName({ meter: 'agent_chat', events: 3, quantity: 2_500_000_000n }, meter('sum', 'hours'))).toBe('Agent chat — 2,500 hours');
    expect(meterLineName({ meter: 'agent_chat', events: 1, quantity: 5_000_000n }, meter('max', 'GB'))).toBe('Agent chat — 1 reading');
  });

  it('writes amounts in emails grouped, and days in the right number', () => {
    expect(describeNotification('balance.low', { org_id: 'org_1', available: '96999.5', level: '100000' }).subject).toBe('Low credit balance: 96,999.5 credits left');
    expect(describeNotification('runway.low', { org_id: 'org_1', status: 'resolved', days: 1 }).text).toContain('within 1 day.');
  });
});
