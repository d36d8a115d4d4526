/**
 * Draw-down order (SPEC §3.3): usage is paid from active blocks, lower
 * priority first, then the earliest expiry (none last), then the earliest
 * start, then creation order. A block never goes below zero; what no block
 * can pay is overage.
 */
export interface DrawBlock {
  id: string;
  grantId: string;
  priority: number;
  startsAt: Date;
  expiresAt: Date | null;
  seq: bigint;
  remaining: bigint;
}

export function compareDrawOrder(a: DrawBlock, b: DrawBlock): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const aExp = a.expiresAt?.getTime() ?? Infinity;
  const bExp = b.expiresAt?.getTime() ?? Infinity;
  if (aExp !== bExp) return aExp < bExp ? -1 : 1;
  const aStart = a.startsAt.getTime();
  const bStart = b.startsAt.getTime();
  if (aStart !== bStart) return aStart - bStart;
  return a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0;
}

/** Active at t: `starts_at <= t < expires_at` (an expiry instant itself is outside). */
export function isActiveAt(block: Pick<DrawBlock, 'startsAt' | 'expiresAt'>, t: Date): boolean {
  const ms = t.getTime();
  return block.startsAt.getTime() <= ms && (block.expiresAt === null || ms < block.expiresAt.getTime());
}

export interface Draw<B extends DrawBlock = DrawBlock> {
  block: B;
  amount: bigint;
}

export interface DrawResult<B extends DrawBlock = DrawBlock> {
  draws: Draw<B>[];
  overage: bigint;
}

/**
 * Draws `cost` from `ordered` (already sorted by compareDrawOrder), mutating
 * each block's `remaining`. A late event is paid first by the blocks active at
 * its own time that still hold credit, then by the blocks active now.
 */
export function drawDown<B extends DrawBlock>(ordered: B[], cost: bigint, eventAt: Date, now: Date): DrawResult<B> {
  const draws: Draw<B>[] = [];
  let due = cost;
  const take = (block: B): void => {
    if (due === 0n || block.remaining <= 0n) return;
    const amount = block.remaining < due ? block.remaining : due;
    block.remaining -= amount;
    due -= amount;
    const last = draws[draws.length - 1];
    if (last && last.block === block) last.amount += amount;
    else draws.push({ block, amount });
  };
  for (const block of ordered) if (isActiveAt(block, eventAt)) take(block);
  if (due > 0n && eventAt.getTime() !== now.getTime()) {
    for (const block of ordered) if (isActiveAt(block, now)) take(block);
  }
  return { draws, overage: due };
}
