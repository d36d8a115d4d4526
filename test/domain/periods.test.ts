import { describe, expect, it } from 'vitest';
import { periodContaining } from '../../src/domain/time.js';

/**
 * Billing periods are calendar months in the organization's zone. The last
 * period found per zone is kept (src/domain/time.ts); these check that it
 * never answers for an instant outside it, in either direction, and that a
 * caller's copy can be changed without changing the next caller's.
 */
describe('periodContaining', () => {
  it('answers each side of a month boundary in the zone, in any order', () => {
    const zone = 'Europe/Berlin'; // March 2026 starts at 2026-02-28T23:00Z, April at 2026-03-31T22:00Z
    const instants = ['2026-03-31T21:59:59.999Z', '2026-03-31T22:00:00.000Z', '2026-02-28T22:59:59.999Z', '2026-02-28T23:00:00.000Z', '2026-03-15T12:00:00.000Z'];
    const keys = instants.map((at) => periodContaining(new Date(at), zone).key);
    expect(keys).toEqual(['2026-03', '2026-04', '2026-02', '2026-03', '2026-03']);
    const march = periodContaining(new Date('2026-03-15T12:00:00.000Z'), zone);
    expect(march.startsAt.toISOString()).toBe('2026-02-28T23:00:00.000Z');
    expect(march.endsAt.toISOString()).toBe('2026-03-31T22:00:00.000Z');
  });

  it('keeps zones apart: the same instant is in different months in Tokyo and New York', () => {
    const at = new Date('2026-04-30T20:00:00.000Z'); // May 1st, 05:00 in Tokyo; April 30th, 16:00 in New York
    expect(periodContaining(at, 'Asia/Tokyo').key).toBe('2026-05');
    expect(periodContaining(at, 'America/New_York').key).toBe('2026-04');
    expect(periodContaining(at, 'Asia/Tokyo').key).toBe('2026-05');
  });

  it('gives every caller its own dates', () => {
    const at = new Date('2026-06-10T00:00:00.000Z');
    const first = periodContaining(at, 'UTC');
    first.startsAt.setUTCFullYear(1999);
    expect(periodContaining(at, 'UTC').startsAt.toISOString()).toBe('2026-06-01T00:00:00.000Z');
  });
});
