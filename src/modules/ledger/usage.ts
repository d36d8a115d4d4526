import type { Q } from '../../db/client.js';
import { blockApplies, type MeterIdentity } from '../../domain/appliesTo.js';
import { drawDown } from '../../domain/drawdown.js';
import { blockAccount, type LedgerBatch } from './batch.js';
import { loadUsageSources, repayOverage, type SpendableBlock } from './blocks.js';

/**
 * The blocks that will pay usage in this transaction, after outstanding
 * overage has been repaid from them (SPEC §3.3: overage is repaid first).
 */
export async function blocksForUsage(tx: Q, batch: LedgerBatch, now: Date, actor: string): Promise<SpendableBlock[]> {
  return (await blocksForUsageOf(tx, [{ batch, actor }], now)).get(batch.orgId)!;
}

/** The same for several organizations at once (a mixed batch): one read whatever their number. */
export async function blocksForUsageOf(tx: Q, of: { batch: LedgerBatch; actor: string }[], now: Date): Promise<Map<string, SpendableBlock[]>> {
  const orgIds = of.map((o) => o.batch.orgId);
  const { blocks, overage } = await loadUsageSources(tx, orgIds, now);
  for (const { batch, actor } of of) {
    const owed = -overage.get(batch.orgId)!;
    if (owed > 0n) repayOverage(batch, owed, blocks.get(batch.orgId)!, now, now, actor);
  }
  return blocks;
}

export interface Usage {
  cost: bigint;
  /** the usage's own time (an event's timestamp) */
  at: Date;
  now: Date;
  /** when an entry at a given business time is booked (see bookingTime) */
  booked: (at: Date) => Date;
  eventId?: string | null;
  ref?: string | null;
  actor: string;
  /** the usage's meter; null (a hold capture) is paid only by blocks that pay for everything */
  meter: MeterIdentity | null;
}

/**
 * Books one usage cost: `usage` entries from the blocks that apply to it, in
 * draw-down order, to `consumed`, and what no block pays from `overage`.
 * Returns the overage.
 */
export function bookUsage(batch: LedgerBatch, blocks: SpendableBlock[], u: Usage): bigint {
  // Only the blocks whose grant applies to this usage, in the same order (SPEC §3.16); the
  // filtered list shares the block objects, so what they pay is taken from them for later usage too.
  const paying = blocks.filter((b) => (u.meter === null ? b.appliesTo === null : blockApplies(b.appliesTo, u.meter)));
  const { draws, overage } = drawDown(paying, u.cost, u.at, u.now);
  for (const d of draws) {
    batch.move({
      type: 'usage',
      amount: d.amount,
      from: blockAccount(d.block.id),
      to: 'consumed',
      blockId: d.block.id,
      blockBalanceAfter: d.block.remaining,
      grantId: d.block.grantId,
      // paid by a block that started after the usage: booked when the block started
      occurredAt: u.booked(new Date(Math.max(u.at.getTime(), d.block.startsAt.getTime()))),
      eventId: u.eventId ?? null,
      ref: u.ref ?? null,
      actor: u.actor,
    });
  }
  if (overage > 0n) {
    batch.move({
      type: 'usage',
      amount: overage,
      from: 'overage',
      to: 'consumed',
      occurredAt: u.booked(u.at),
      eventId: u.eventId ?? null,
      ref: 'overage',
      actor: u.actor,
    });
  }
  return overage;
}
