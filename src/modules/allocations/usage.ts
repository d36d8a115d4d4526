import type { LedgerHooks } from '../ledger/hooks.js';
import { ensureCycle } from './cycles.js';
import { addCycleUsage } from './cycleQueries.js';

/**
 * ctx.hooks.usageRecorded: counts accepted usage for the cycle it falls in,
 * and for the member whose id is the event's `user`, inside the ingest
 * transaction (one upsert per batch). Group usage is the sum over the
 * group's members, so it needs no counter of its own.
 */
export const recordCycleUsage: LedgerHooks['usageRecorded'][number] = async ({ tx, org, now, events, known, cycleCurrent }) => {
  if (!events.some((e) => e.credits > 0n)) return;
  if (!cycleCurrent) await ensureCycle(tx, org, now, known?.settings);
  await addCycleUsage(
    tx,
    org.id,
    now,
    events.map((e) => ({ userId: e.userId, at: e.bookedAt, credits: e.credits })),
  );
};
