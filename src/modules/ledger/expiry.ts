import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows, type Q } from '../../db/client.js';
import { lockOrg } from '../orgs/index.js';
import { bookDueRollovers } from '../schedules/index.js';
import { blockAccount, LedgerBatch } from './batch.js';
import { emitDomainEvent, runBalanceChanged } from './hooks.js';

/**
 * Writes the expiry entries of blocks whose `expires_at` has passed. Balance
 * reads never wait for this (an expired block is not counted as available);
 * the entry is what the ledger, statements and grant history show.
 * Idempotent: a block's expiry is booked once.
 */
export async function bookDueExpiries(ctx: AppContext, tx: Q, orgId: string, now: Date): Promise<number> {
  // Scheduled grants with a rollover rule carry part of their credit over first (issue 15); they are then booked.
  const rolled = await bookDueRollovers(ctx, tx, orgId, now);
  const due = await rows<{ id: string; grantId: string; remaining: bigint; expiresAt: Date }>(
    tx,
    sql`select id, grant_id as "grantId", remaining, expires_at as "expiresAt" from blocks
        where org_id = ${orgId} and expiry_booked_at is null and expires_at <= ${now.toISOString()}::timestamptz
        order by seq`,
  );
  if (due.length === 0) return rolled;
  const batch = new LedgerBatch(orgId, now);
  for (const block of due) {
    const remaining = BigInt(block.remaining);
    if (remaining > 0n) {
      batch.move({
        type: 'expiry',
        amount: remaining,
        from: blockAccount(block.id),
        to: 'expired',
        blockId: block.id,
        blockBalanceAfter: 0n,
        grantId: block.grantId,
        occurredAt: new Date(block.expiresAt),
        ref: 'expired',
      });
    }
  }
  await batch.flush(tx);
  await tx.execute(sql`
    update blocks set expiry_booked_at = ${now.toISOString()}::timestamptz,
      expired_amount = expired_amount + remaining_before.amount
    from (select id, remaining as amount from unnest(${sql.param(due.map((b) => b.id))}::text[],
          ${sql.param(due.map((b) => BigInt(b.remaining).toString()))}::bigint[]) as u(id, remaining)) as remaining_before
    where blocks.org_id = ${orgId} and blocks.id = remaining_before.id`);
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
  const now = ctx.clock.now().toISOString();
  const found = await ctx.db.read((q) =>
    rows<{ orgId: string }>(
      q,
      sql`select distinct org_id as "orgId" from blocks where expiry_booked_at is null and expires_at <= ${now}::timestamptz`,
    ),
  );
  return found.map((r) => r.orgId);
}
