import { isActiveAt } from './drawdown.js';

export interface BlockState {
  id: string;
  grantId: string;
  source: 'included' | 'purchased' | 'promotional' | 'adjustment';
  amount: bigint;
  /** the block account's balance at the instant asked about */
  balance: bigint;
  /** credit used from the block by usage entries */
  used: bigint;
  startsAt: Date;
  expiresAt: Date | null;
  pendingPayment: boolean;
  voidedAt: Date | null;
}

export interface BalanceSummary {
  available: bigint;
  bySource: Record<BlockState['source'], bigint>;
  pending: bigint;
  held: bigint;
  spent: bigint;
  totalGranted: bigint;
  overage: bigint;
}

/**
 * SPEC §3.4 from block states and account balances at instant `t`:
 * available = credit in active blocks − open holds; pending = credit in blocks
 * not yet started; spent and total granted cover grants active at `t`.
 */
export function summarizeBalance(blocks: BlockState[], accounts: Map<string, bigint>, t: Date): BalanceSummary {
  const bySource = { included: 0n, purchased: 0n, promotional: 0n, adjustment: 0n };
  let pending = 0n;
  const activeGrants = new Set<string>();
  const live = blocks.filter((b) => !b.pendingPayment && (b.voidedAt === null || b.voidedAt > t));
  for (const b of live) {
    if (isActiveAt(b, t)) {
      bySource[b.source] += b.balance;
      if (b.balance > 0n) activeGrants.add(b.grantId);
    } else if (b.startsAt > t) {
      pending += b.amount;
    }
  }
  let spent = 0n;
  let totalGranted = 0n;
  for (const b of live) {
    if (!activeGrants.has(b.grantId) || b.startsAt > t) continue;
    spent += b.used;
    totalGranted += b.amount;
  }
  const held = accounts.get('held') ?? 0n;
  const credit = bySource.included + bySource.purchased + bySource.promotional + bySource.adjustment;
  return {
    available: credit - held,
    bySource,
    pending,
    held,
    spent,
    totalGranted,
    overage: -(accounts.get('overage') ?? 0n),
  };
}
