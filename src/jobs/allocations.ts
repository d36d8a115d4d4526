import type { AppContext } from '../context.js';
import { ensureCycle, orgsWithEndedCycles } from '../modules/allocations/index.js';
import { expireHolds, orgsWithExpiredHolds } from '../modules/holds/index.js';
import { lockOrg } from '../modules/orgs/index.js';
import { eachOrg } from './isolate.js';
import type { Job } from './job.js';

/** The audit actor of changes the scheduler's jobs make. */
export const SCHEDULER_ACTOR = 'system:scheduler';

/** Releases holds whose expiry has passed (admission already ignores them before this runs); each is audited as `hold.expire`. */
export const holdExpiryJob: Job = {
  name: 'hold-expiry',
  async run(ctx) {
    const due = await orgsWithExpiredHolds(ctx);
    return eachOrg(ctx, 'hold-expiry', due, (orgId) => orgId, (orgId) => expireHolds(ctx, orgId, SCHEDULER_ACTOR));
  },
};

/** Closes ended cycles and opens the next, so the history is complete even without traffic. */
export const cycleRolloverJob: Job = {
  name: 'cycle-rollover',
  async run(ctx: AppContext) {
    const due = await orgsWithEndedCycles(ctx);
    return eachOrg(ctx, 'cycle-rollover', due, (orgId) => orgId, async (orgId) => {
      await ctx.db.transaction(async (tx) => ensureCycle(tx, await lockOrg(tx, orgId), ctx.clock.now()));
      return 1;
    });
  },
};
