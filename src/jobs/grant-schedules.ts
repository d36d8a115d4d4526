import type { AppContext } from '../context.js';
import { runBalanceChanged } from '../modules/ledger/hooks.js';
import { lockOrg } from '../modules/orgs/index.js';
import { orgsWithDueRollovers, orgsWithDueSchedules, findSchedules } from '../modules/schedules/queries.js';
import { bookDueRollovers } from '../modules/schedules/rollover.js';
import { issueDuePeriods } from '../modules/schedules/service.js';
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
  const [issuing, rolling] = await ctx.db.read(async (q) => [await orgsWithDueSchedules(q, now), await orgsWithDueRollovers(q, now)] as const);
  let done = 0;
  for (const orgId of [...new Set([...issuing, ...rolling])].sort()) {
    try {
      done += await ctx.db.transaction(async (tx) => {
        const org = await lockOrg(tx, orgId);
        const at = ctx.clock.now();
        let n = 0;
        for (const schedule of await findSchedules(tx, orgId)) {
          if (schedule.nextIssueAt && schedule.nextIssueAt <= at) n += await issueDuePeriods(ctx, tx, org, schedule, at, SCHEDULER_ACTOR);
        }
        // After issuing: a period issued late whose grant has already expired rolls over in the same run.
        n += await bookDueRollovers(ctx, tx, orgId, at);
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
