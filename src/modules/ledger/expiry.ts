import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { lockOrg } from '../orgs/index.js';
import { bookDueRollovers } from '../schedules/index.js';
import { blockAccount, LedgerBatch } from './batch.js';
import { emitDomainEvent, runBalanceChanged } from './hooks.js';
import { findDueExpiries, findOrgsWithDueExpiries, markExpiriesBooked } from './queries.js';

/**
 * Writes the expiry entries of blocks whose `expires_at` has passed. Balance
 * reads never wait for this (an expired block is not counted as available);
 * the entry is what the ledger, statements and grant history show.
 * Idempotent: a block's expiry is booked once.
 */
export async function bookDueExpiries(ctx: AppContext, tx: Q, orgId: string, now: Date): Promise<number> {
  // Scheduled grants with a rollover rule carry part of their credit over first (issue 15); they are then booked.
  const rolled = await bookDueRollovers(ctx, tx, orgId, now);
  const due = await findDueExpiries(tx, orgId, now);
  if (due.length === 0) return rolled;
  const batch = new LedgerBatch(orgId, now);
  for (const block of due) {
    if (block.remaining > 0n) {
      batch.move({
        type: 'expiry',
        amount: block.remaining,
        from: blockAccount(block.id),
        to: 'expired',
        blockId: block.id,
        blockBalanceAfter: 0n,
        grantId: block.grantId,
        occurredAt: block.expiresAt,
        ref: 'expired',
      });
    }
  }
  await batch.flush(tx);
  await markExpiriesBooked(tx, orgId, due, now);
  for (const grantId of new Set(due.map((b) => b.grantId))) {
    await emitDomainEvent(ctx.hooks, { tx, orgId, now, type: 'grant.expired', data: { grant_id: grantId } });
  }
  return rolled + due.length;
}

/** The scheduler's expiry job for one organization, in its own transaction. */
export function expireBlocks({ ctx, orgId }: { ctx: AppContext; orgId: string }): Promise<number> {
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const booked = await bookDueExpiries(ctx, tx, orgId, now);
    if (booked > 0) await runBalanceChanged(ctx.hooks, { tx, org, now });
    return booked;
  });
}

/** Organizations that have blocks waiting for their expiry entry. */
export async function orgsWithDueExpiries(ctx: AppContext): Promise<string[]> {
  const now = ctx.clock.now();
  return ctx.db.read((q) => findOrgsWithDueExpiries(q, now));
}
