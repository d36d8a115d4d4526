import type { AppContext } from '../context.js';
import { ensureCycle, orgsWithEndedCycles } from '../modules/allocations/cycles.js';
import { expireHolds, orgsWithExpiredHolds } from '../modules/holds/service.js';
import { lockOrg } from '../modules/orgs/queries.js';
import type { Job } from './scheduler.js';

/** Releases holds whose expiry has passed (admission already ignores them before this runs). */
export const holdExpiryJob: Job = {
  name: 'hold-expiry',
  async run(ctx) {
    let released = 0;
    for (const orgId of await orgsWithExpiredHolds(ctx)) released += await expireHolds(ctx, orgId);
    return released;
  },
};

/** Closes ended cycles and opens the next, so the history is complete even without traffic. */
export const cycleRolloverJob: Job = {
  name: 'cycle-rollover',
  async run(ctx: AppContext) {
    const due = await orgsWithEndedCycles(ctx);
    for (const orgId of due) {
      await ctx.db.transaction(async (tx) => ensureCycle(tx, await lockOrg(tx, orgId), ctx.clock.now()));
    }
    return due.length;
  },
};
