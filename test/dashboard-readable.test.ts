import { describe, expect, it } from 'vitest';
import { correctionChanges, correctionSummary, correctorName, STATUS_LABEL, type Correction } from '../web/src/eventHistory.js';
import { actorFilter, actorName, auditChanges, countOf } from '../web/src/readable.js';

describe('readable figures on the dashboard', () => {
  it.each([
    [1, 'seat', 'seats', 'en-US', '1 seat'],
    [2, 'seat', 'seats', 'en-US', '2 seats'],
    [0, 'message', 'messages', 'en-US', '0 messages'],
    [1234, 'message', 'messages', 'en-US', '1,234 messages'],
  ] as const)('%s %s → %s', (n, one, other, locale, expected) => {
    expect(countOf(n, one, other, locale)).toBe(expected);
  });

  it('names people, not ids', () => {
    const people = new Map([['mem_eli', { id: 'mem_eli', name: 'Eli Novak' }]]);
    expect(actorName('member:mem_eli', people)).toBe('Eli Novak');
    expect(actorName('mem_eli', people)).toBe('Eli Novak');
    expect(actorName('platform', people)).toBe('platform');
    expect(actorName(null, people)).toBe('—');
    expect(actorFilter(' eli novak ', people)).toBe('member:mem_eli');
    expect(actorFilter('key:key_01abc', people)).toBe('key:key_01abc');
  });

  it('reads an audit change as "field: before → after"', () => {
    expect(auditChanges({ status: 'pending', amount: '200' }, { status: 'denied', amount: '200' }, 'en-US')).toEqual(['status: pending → denied']);
    expect(auditChanges({ allocation: { monthly: '500' } }, { allocation: { monthly: '700' } }, 'en-US')).toEqual(['allocation.monthly: 500 → 700']);
    expect(auditChanges(null, { id: 'grp_1', monthly: '9000', name: 'Research', created_at: 'x' }, 'en-US')).toEqual(['name: Research', 'monthly: 9,000']);
    expect(auditChanges({ status: 'pending', updated_at: 'a' }, { status: 'paid', updated_at: 'b' }, 'en-US')).toEqual(['status: pending → paid']);
    expect(auditChanges({ name: 'Research' }, null, 'en-US')).toEqual(['name: Research → —']);
    expect(auditChanges({ limit: '-96999' }, { limit: '1000.5' }, 'en-US')).toEqual(['limit: -96,999 → 1,000.5']);
  });

  it('reads an event correction as who, when and what changed', () => {
    // ICU versions differ on the space before AM/PM (U+202F or a plain space)
    const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, ' ');
    const people = new Map([['mem_eli', { id: 'mem_eli', name: 'Eli Novak' }]]);
    expect(STATUS_LABEL).toEqual({ active: 'Original', voided: 'Voided', amended: 'Amended' });
    expect(correctorName('member:mem_eli', people)).toBe('Eli Novak');
    expect(correctorName('key:key_01abc', people)).toBe('API key key_01abc');
    expect(correctorName('platform', people)).toBe('the platform operator');
    const billable = { meter: 'tokens', quantity: '6', timestamp: '2026-03-20T11:00:00.000Z', user: 'zoë', project: null, resource_class: null, cost_credits: '6000', cost_usd: null, overage: '0' };
    const voided: Correction = { kind: 'void', at: '2026-03-20T12:00:00.000Z', actor: 'member:mem_eli', before: billable, after: null, booked_in_period: '2026-03', closed_period: false };
    expect(plain(correctionSummary(voided, people, 'America/New_York', 'en-US'))).toBe('Voided by Eli Novak on Mar 20, 2026, 8:00 AM');
    expect(correctionChanges(voided, 'America/New_York', 'en-US')).toEqual([]);
    const amended: Correction = {
      ...voided,
      kind: 'amend',
      actor: 'key:key_01abc',
      after: { ...billable, quantity: '2.5', project: 'vision', timestamp: '2026-03-19T23:30:00.000Z', cost_credits: '2500' },
      booked_in_period: '2026-04',
      closed_period: true,
    };
    expect(plain(correctionSummary(amended, people, 'UTC', 'en-US'))).toBe('Amended by API key key_01abc on Mar 20, 2026, 12:00 PM (its period was closed: booked in 2026-04)');
    expect(correctionChanges(amended, 'UTC', 'en-US').map(plain)).toEqual([
      'Quantity: 6 → 2.5',
      'Time: Mar 20, 2026, 11:00 AM → Mar 19, 2026, 11:30 PM',
      'Project: — → vision',
      'Credits: 6,000 → 2,500',
    ]);
  });
});
