import type { AppContext } from '../context.js';
import { runBalanceChanged } from '../modules/ledger/index.js';
import { lockOrg } from '../modules/orgs/index.js';
import { issueDueSchedules, orgsWithDueScheduleWork } from '../modules/schedules/index.js';
import { SCHEDULER_ACTOR } from './allocations.js';
import type { Job } from './job.js';

export const GRANT_SCHEDULES = 'grant-schedules';

/**
 * Issues each schedule's started periods and rolls over the scheduled grants
 * that have expired (issue 15), one organization per transaction under its
 * lock. A second instance waits for the lock and then finds `next_index`
 * advanced and the blocks booked, so it does nothing; a restart or downtime
 * only delays what the next run finds due. One organization's failure is
 * logged and does not stop the others.
 */
export async function runGrantSchedules(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  let done = 0;
  for (const orgId of await orgsWithDueScheduleWork(ctx, now)) {
    try {
      done += await ctx.db.transaction(async (tx) => {
        const org = await lockOrg(tx, orgId);
        const at = ctx.clock.now();
        const n = await issueDueSchedules(ctx, tx, org, at, SCHEDULER_ACTOR);
        if (n > 0) await runBalanceChanged(ctx.hooks, { tx, org, now: at });
        return n;
      });
    } catch (error) {
      ctx.log.error({ err: error, orgId }, 'grant schedules failed');
    }
  }
  return done;
}

export const grantSchedulesJob: Job = { name: GRANT_SCHEDULES, run: (ctx) => runGrantSchedules(ctx) };
