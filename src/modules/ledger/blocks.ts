import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import { normalizeAppliesTo, type AppliesTo } from '../../domain/appliesTo.js';
import { compareDrawOrder, drawDown, type DrawBlock } from '../../domain/drawdown.js';
import { blockAccount, type LedgerBatch } from './batch.js';

// the ledger's reads other modules use (SQL stays in queries.ts)
export {
  findBlockStandings,
  findEventEntries,
  findOrgsToRepayOverage,
  findOverageRepayers,
  type BlockStanding,
  type EventEntry,
} from './queries.js';

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
  const found = await rows<{
    orgId: string;
    overage: bigint;
    id: string | null;
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
    sql`select o.org_id as "orgId", coalesce(a.balance, 0) as overage, s.*
        from unnest(${sql.param(orgIds)}::text[]) as o(org_id)
        left join accounts a on a.org_id = o.org_id and a.account = 'overage'
        left join lateral (
          select b.id, b.grant_id as "grantId", g.priority, b.starts_at as "startsAt", b.expires_at as "expiresAt",
            b.seq, b.remaining, g.source, g.applies_to as "appliesTo"
          from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
          where b.org_id = o.org_id and b.remaining > 0 and b.starts_at <= ${now.toISOString()}::timestamptz
            and b.expiry_booked_at is null and g.voided_at is null and not g.pending_payment
        ) s on true`,
  );
  const blocks = new Map<string, SpendableBlock[]>(orgIds.map((id) => [id, []]));
  const overage = new Map<string, bigint>(orgIds.map((id) => [id, 0n]));
  for (const { orgId, overage: owed, id, ...b } of found) {
    overage.set(orgId, BigInt(owed));
    if (id === null) continue; // an organization without a spendable block
    blocks.get(orgId)!.push({
      ...b,
      id,
      seq: BigInt(b.seq),
      remaining: BigInt(b.remaining),
      startsAt: new Date(b.startsAt),
      expiresAt: b.expiresAt === null ? null : new Date(b.expiresAt),
      appliesTo: normalizeAppliesTo(b.appliesTo),
    });
  }
  for (const list of blocks.values()) list.sort(compareDrawOrder);
  return { blocks, overage };
}

export async function accountBalance(tx: Q, orgId: string, account: string): Promise<bigint> {
  const [row] = await rows<{ balance: bigint }>(tx, sql`select balance from accounts where org_id = ${orgId} and account = ${account}`);
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
