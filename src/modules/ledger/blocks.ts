import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import { normalizeAppliesTo, type AppliesTo } from '../../domain/appliesTo.js';
import { compareDrawOrder, drawDown, type DrawBlock } from '../../domain/drawdown.js';
import { blockAccount, type LedgerBatch } from './batch.js';

export interface SpendableBlock extends DrawBlock {
  source: string;
  /** the grant's scope (SPEC §3.16): null pays for everything */
  appliesTo: AppliesTo | null;
}

/**
 * Blocks that may still pay usage: started, credit left, not voided, paid
 * for, and not yet swept by an expiry entry. Sorted in draw-down order.
 */
export async function loadSpendableBlocks(tx: Q, orgId: string, now: Date): Promise<SpendableBlock[]> {
  const found = await rows<{
    id: string;
    grantId: string;
    priority: number;
    startsAt: Date;
    expiresAt: Date | null;
    seq: bigint;
    remaining: bigint;
    source: string;
    appliesTo: AppliesTo | null;
  }>(
    tx,
    sql`select b.id, b.grant_id as "grantId", g.priority, b.starts_at as "startsAt", b.expires_at as "expiresAt",
          b.seq, b.remaining, g.source, g.applies_to as "appliesTo"
        from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
        where b.org_id = ${orgId} and b.remaining > 0 and b.starts_at <= ${now.toISOString()}::timestamptz
          and b.expiry_booked_at is null and g.voided_at is null and not g.pending_payment`,
  );
  return found
    .map((b) => ({
      ...b,
      seq: BigInt(b.seq),
      remaining: BigInt(b.remaining),
      startsAt: new Date(b.startsAt),
      expiresAt: b.expiresAt === null ? null : new Date(b.expiresAt),
      appliesTo: normalizeAppliesTo(b.appliesTo),
    }))
    .sort(compareDrawOrder);
}

export async function accountBalance(tx: Q, orgId: string, account: string): Promise<bigint> {
  const [row] = await rows<{ balance: bigint }>(
    tx,
    sql`select balance from accounts where org_id = ${orgId} and account = ${account}`,
  );
  return row ? BigInt(row.balance) : 0n;
}

/**
 * Overage is usage no block could pay. It is owed to the `overage` account
 * (a negative balance) and repaid first from credit that becomes available.
 * Only blocks that pay for everything repay it: the account does not record
 * which usage the overage came from, and a scoped block never pays for
 * usage outside its scope (docs/decisions.md, issue 16).
 */
export function repayOverage(
  batch: LedgerBatch,
  owed: bigint,
  ordered: SpendableBlock[],
  now: Date,
  occurredAt: Date,
  actor: string | null,
): bigint {
  // Overage was owed before now: only the blocks active now repay it, so the
  // draw's own time is now and draw-down has a single pass.
  const { draws, overage } = drawDown(ordered.filter((b) => b.appliesTo === null), owed, now, now);
  for (const { block, amount } of draws) {
    batch.move({
      type: 'usage',
      amount,
      from: blockAccount(block.id),
      to: 'overage',
      blockId: block.id,
      blockBalanceAfter: block.remaining,
      grantId: block.grantId,
      occurredAt,
      ref: 'overage_repayment',
      actor,
    });
  }
  return owed - overage;
}
