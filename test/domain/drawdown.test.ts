import { describe, expect, it } from 'vitest';
import { compareDrawOrder, drawDown, isActiveAt, type DrawBlock } from '../../src/domain/drawdown.js';

const t = (iso: string) => new Date(iso);
let seq = 0n;
function block(id: string, remaining: bigint, opts: Partial<DrawBlock> = {}): DrawBlock {
  seq += 1n;
  return { id, grantId: `g-${id}`, priority: 50, startsAt: t('2026-01-01T00:00:00Z'), expiresAt: null, seq, remaining, ...opts };
}
const NOW = t('2026-03-01T00:00:00Z');

function draw(blocks: DrawBlock[], cost: bigint, at = NOW, now = NOW) {
  const ordered = [...blocks].sort(compareDrawOrder);
  const result = drawDown(ordered, cost, at, now);
  return { takes: result.draws.map((d) => [d.block.id, d.amount]), overage: result.overage };
}

describe('draw-down order (SPEC §3.3)', () => {
  it('uses lower priority first', () => {
    expect(draw([block('b', 10n, { priority: 60 }), block('a', 10n, { priority: 10 })], 15n).takes).toEqual([
      ['a', 10n],
      ['b', 5n],
    ]);
  });

  it('breaks a priority tie by earliest expiry, no expiry last', () => {
    const blocks = [
      block('never', 10n),
      block('late', 10n, { expiresAt: t('2026-06-01T00:00:00Z') }),
      block('soon', 10n, { expiresAt: t('2026-04-01T00:00:00Z') }),
    ];
    expect(draw(blocks, 25n).takes).toEqual([
      ['soon', 10n],
      ['late', 10n],
      ['never', 5n],
    ]);
  });

  it('then by earliest start, then creation order', () => {
    const blocks = [
      block('second', 10n, { startsAt: t('2026-02-01T00:00:00Z') }),
      block('first', 10n, { startsAt: t('2026-01-15T00:00:00Z') }),
      block('third', 10n, { startsAt: t('2026-02-01T00:00:00Z') }),
    ];
    expect(draw(blocks, 25n).takes).toEqual([
      ['first', 10n],
      ['second', 10n],
      ['third', 5n],
    ]);
  });

  it('treats expires_at as the first instant a block is no longer active', () => {
    const b = block('x', 10n, { expiresAt: NOW });
    expect(isActiveAt(b, new Date(NOW.getTime() - 1))).toBe(true);
    expect(isActiveAt(b, NOW)).toBe(false);
    expect(draw([b], 5n).overage).toBe(5n);
    expect(draw([b], 5n, new Date(NOW.getTime() - 1)).takes).toEqual([['x', 5n]]);
  });

  it('never uses a block before it starts', () => {
    const future = block('future', 10n, { startsAt: t('2026-03-02T00:00:00Z') });
    expect(draw([future], 4n)).toEqual({ takes: [], overage: 4n });
  });

  it('records what no block can pay as overage, never taking a block below zero', () => {
    const b = block('small', 3n);
    expect(draw([b], 5n)).toEqual({ takes: [['small', 3n]], overage: 2n });
    expect(b.remaining).toBe(0n);
  });

  it('pays a late event from blocks active at its time first, then from blocks active now', () => {
    const old = block('old', 4n, { expiresAt: t('2026-02-15T00:00:00Z'), priority: 90 });
    const current = block('current', 10n, { priority: 10, startsAt: t('2026-02-20T00:00:00Z') });
    // at Feb 10 only `old` was active: it pays first despite its worse priority
    expect(draw([old, current], 6n, t('2026-02-10T00:00:00Z')).takes).toEqual([
      ['old', 4n],
      ['current', 2n],
    ]);
  });
});
