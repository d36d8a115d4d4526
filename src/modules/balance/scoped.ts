import type { AppliesTo } from '../../domain/appliesTo.js';
import type { BlockState } from '../../domain/balance.js';
import { isActiveAt } from '../../domain/drawdown.js';
import { formatMicro } from '../../domain/money.js';

/** Blocks that may pay usage at `t`: paid for, not voided, active, with credit left. */
export const spendableAt = (blocks: BlockState[], t: Date) =>
  blocks.filter((b) => !b.pendingPayment && (b.voidedAt === null || b.voidedAt > t) && isActiveAt(b, t) && b.balance > 0n);

/**
 * The part of `available` that only some usage may spend, per scope: the
 * balance answer's `scoped` list (one entry per distinct applies_to, in a
 * stable order). Scoped credit is part of `available` too.
 */
export function scopedAvailable(blocks: BlockState[], scopes: Map<string, AppliesTo>, t: Date): { applies_to: AppliesTo; available: string }[] {
  const sums = new Map<string, { appliesTo: AppliesTo; available: bigint }>();
  for (const b of spendableAt(blocks, t)) {
    const scope = scopes.get(b.grantId);
    if (!scope) continue;
    const key = JSON.stringify(scope);
    const s = sums.get(key);
    if (s) s.available += b.balance;
    else sums.set(key, { appliesTo: scope, available: b.balance });
  }
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => ({ applies_to: s.appliesTo, available: formatMicro(s.available) }));
}
