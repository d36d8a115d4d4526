import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import { summarizeBalance, type BlockState } from '../../domain/balance.js';
import { isActiveAt } from '../../domain/drawdown.js';

export interface BalanceNow {
  available: bigint;
  /** credits granted under active included grants: the base of percentage thresholds */
  includedGranted: bigint;
}

/**
 * Available credit read inside the caller's transaction (which holds the
 * organization lock), from the cached block balances, exactly as the
 * balance endpoint computes it.
 */
export async function balanceInTx(tx: Q, orgId: string, now: Date): Promise<BalanceNow> {
  const found = await rows<Omit<BlockState, 'used'> & { amount: bigint; balance: bigint }>(
    tx,
    sql`select b.id, b.grant_id as "grantId", g.source, b.amount, b.remaining as balance, b.starts_at as "startsAt",
          b.expires_at as "expiresAt", g.pending_payment as "pendingPayment", g.voided_at as "voidedAt"
        from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
        where b.org_id = ${orgId} and g.voided_at is null and not g.pending_payment`,
  );
  const blocks: BlockState[] = found.map((b) => ({
    ...b,
    amount: BigInt(b.amount),
    balance: BigInt(b.balance),
    used: 0n,
    startsAt: new Date(b.startsAt),
    expiresAt: b.expiresAt === null ? null : new Date(b.expiresAt),
    voidedAt: null,
  }));
  const [held] = await rows<{ balance: bigint }>(tx, sql`select balance from accounts where org_id = ${orgId} and account = 'held'`);
  const summary = summarizeBalance(blocks, new Map([['held', held ? BigInt(held.balance) : 0n]]), now);
  let includedGranted = 0n;
  for (const b of blocks) if (b.source === 'included' && isActiveAt(b, now)) includedGranted += b.amount;
  return { available: summary.available, includedGranted };
}
