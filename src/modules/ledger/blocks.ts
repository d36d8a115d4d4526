import type { Q } from '../../db/client.js';
import { compareDrawOrder, drawDown } from '../../domain/drawdown.js';
import { blockAccount, type LedgerBatch } from './batch.js';
import { findUsageSources, type SpendableBlock } from './queries.js';

// the ledger's reads other modules use (SQL stays in queries.ts)
export {
  accountBalance,
  findBlockStandings,
  findEventEntries,
  findOrgsToRepayOverage,
  findOverageRepayers,
  type BlockStanding,
  type EventEntry,
  type SpendableBlock,
} from './queries.js';

/**
 * Blocks that may still pay usage: started, credit left, not voided, paid
 * for, and not yet swept by an expiry entry. Sorted in draw-down order.
 */
export async function loadSpendableBlocks(tx: Q, orgId: string, now: Date): Promise<SpendableBlock[]> {
  return (await loadUsageSources(tx, [orgId], now)).blocks.get(orgId)!;
}

/**
 * What pays usage in several organizations, in ONE read (issue 10): each
 * one's spendable blocks in draw-down order and its `overage` balance (what
 * is owed, negative).
 */
export async function loadUsageSources(
  tx: Q,
  orgIds: string[],
  now: Date,
): Promise<{ blocks: Map<string, SpendableBlock[]>; overage: Map<string, bigint> }> {
  const found = await findUsageSources(tx, orgIds, now);
  const blocks = new Map<string, SpendableBlock[]>(orgIds.map((id) => [id, []]));
  const overage = new Map<string, bigint>(orgIds.map((id) => [id, 0n]));
  for (const { orgId, overage: owed, block } of found) {
    overage.set(orgId, owed);
    if (block !== null) blocks.get(orgId)!.push(block); // null: an organization without a spendable block
  }
  for (const list of blocks.values()) list.sort(compareDrawOrder);
  return { blocks, overage };
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
