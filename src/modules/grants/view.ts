import { isActiveAt } from '../../domain/drawdown.js';
import { formatMicro, sumBig } from '../../domain/money.js';
import type { BlockRow, GrantRow } from './queries.js';

export type GrantStatus = 'pending_payment' | 'pending' | 'in_use' | 'depleted' | 'expired' | 'voided';
export type BlockStatus = 'pending' | 'active' | 'depleted' | 'expired' | 'voided';

/** A block's status at `now`, derived from time and balance, never stored. */
export function blockStatus(block: BlockRow, grant: GrantRow, now: Date): BlockStatus {
  if (grant.voidedAt) return 'voided';
  if (block.startsAt > now) return 'pending';
  // past its end date a block is expired, whatever was left (a used-up block too)
  if (block.expiresAt !== null && block.expiresAt <= now) return 'expired';
  return block.remaining > 0n ? 'active' : 'depleted';
}

/** A grant's status (SPEC §3.1): derived from its blocks at `now`. */
export function grantStatus(grant: GrantRow, blocks: BlockRow[], now: Date): GrantStatus {
  if (grant.voidedAt) return 'voided';
  if (grant.pendingPayment) return 'pending_payment';
  const statuses = blocks.map((b) => blockStatus(b, grant, now));
  if (blocks.some((b) => isActiveAt(b, now) && b.remaining > 0n)) return 'in_use';
  if (statuses.includes('pending')) return 'pending';
  // the grant's end date (its last block's) has passed: expired, whatever was left
  if (blocks.length > 0 && statuses.every((s) => s === 'expired')) return 'expired';
  return 'depleted';
}

export function grantView(grant: GrantRow, blocks: BlockRow[], now: Date) {
  return {
    id: grant.id,
    name: grant.name,
    source: grant.source,
    priority: grant.priority,
    status: grantStatus(grant, blocks, now),
    amount: formatMicro(sumBig(blocks.map((b) => b.amount))),
    // released credit only; disbursements not released yet (or awaiting payment) are `pending`, apart
    remaining: formatMicro(sumBig(blocks.filter((b) => !grant.pendingPayment && b.startsAt <= now).map((b) => b.remaining))),
    pending: formatMicro(
      grant.voidedAt ? 0n : sumBig(blocks.filter((b) => grant.pendingPayment || b.startsAt > now).map((b) => b.remaining)),
    ),
    metadata: grant.metadata,
    applies_to: grant.appliesTo,
    created_at: grant.createdAt.toISOString(),
    voided_at: grant.voidedAt?.toISOString() ?? null,
    starts_at: blocks.length ? new Date(Math.min(...blocks.map((b) => b.startsAt.getTime()))).toISOString() : null,
    expires_at: lastExpiry(blocks),
    blocks: blocks.map((b) => ({
      id: b.id,
      amount: formatMicro(b.amount),
      remaining: formatMicro(b.remaining),
      starts_at: b.startsAt.toISOString(),
      expires_at: b.expiresAt?.toISOString() ?? null,
      status: blockStatus(b, grant, now),
    })),
  };
}

export type GrantView = ReturnType<typeof grantView>;

function lastExpiry(blocks: BlockRow[]): string | null {
  if (blocks.length === 0 || blocks.some((b) => b.expiresAt === null)) return null;
  return new Date(Math.max(...blocks.map((b) => b.expiresAt!.getTime()))).toISOString();
}
