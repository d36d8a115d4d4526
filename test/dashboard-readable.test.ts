import { describe, expect, it } from 'vitest';
import { actorName, auditChanges, countOf } from '../web/src/readable.js';

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
  });

  it('reads an audit change as "field: before → after"', () => {
    expect(auditChanges({ status: 'pending', amount: '200' }, { status: 'denied', amount: '200' }, 'en-US')).toEqual(['status: pending → denied']);
    expect(auditChanges({ allocation: { monthly: '500' } }, { allocation: { monthly: '700' } }, 'en-US')).toEqual(['allocation.monthly: 500 → 700']);
    expect(auditChanges(null, { id: 'grp_1', monthly: '9000', name: 'Research', created_at: 'x' }, 'en-US')).toEqual(['name: Research', 'monthly: 9,000']);
    expect(auditChanges({ status: 'pending', updated_at: 'a' }, { status: 'paid', updated_at: 'b' }, 'en-US')).toEqual(['status: pending → paid']);
    expect(auditChanges({ name: 'Research' }, null, 'en-US')).toEqual(['name: Research → —']);
    expect(auditChanges({ limit: '-96999' }, { limit: '1000.5' }, 'en-US')).toEqual(['limit: -96,999 → 1,000.5']);
  });
});
