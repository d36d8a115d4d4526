import type { LedgerHooks } from '../ledger/index.js';
import { ensureCycle } from './cycles.js';
import { cycleUsageWrite, findLatestCycles, type CycleRow } from './cycleQueries.js';

/**
 * ctx.hooks.usageWrites: counts accepted usage for the cycle it falls in,
 * and for the member whose id is the event's `user`, inside the ingest
 * transaction (one upsert per transaction, whatever the number of
 * organizations, sent with the caller's rollups). Group usage is the sum over
 * the group's members, so it needs no counter of its own.
 */
export const recordCycleUsage: LedgerHooks['usageWrites'][number] = async ({ tx, now, orgs }) => {
  const using = orgs.filter((o) => o.events.some((e) => e.credits > 0n));
  if (using.length === 0) return [];
  // The open cycle must contain now: one read tells which organizations need a rollover (rare) or their first setup.
  const unsure = using.filter((o) => !o.cycleCurrent);
  const latest = unsure.length === 0 ? new Map<string, CycleRow>() : await findLatestCycles(tx, unsure.map((o) => o.org.id));
  for (const { org, known } of unsure) {
    const cycle = latest.get(org.id);
    const current = cycle !== undefined && cycle.closedAt === null && now >= cycle.startsAt && now < cycle.endsAt;
    if (!current || known?.settings === undefined) await ensureCycle(tx, org, now, known?.settings);
  }
  const write = cycleUsageWrite(
    now,
    using.map(({ org, events }) => ({ orgId: org.id, lines: events.map((e) => ({ userId: e.userId, at: e.bookedAt, credits: e.credits })) })),
  );
  return write ? [write] : [];
};
