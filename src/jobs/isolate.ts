import type { AppContext } from '../context.js';
import { metrics } from '../metrics.js';

/**
 * Runs one job's work organization by organization, so one organization that fails (bad data, a
 * conflict, a bug its data triggers) is logged and counted in /metrics, and the others are still
 * served; it is retried on the next tick because every job asks "what is due now?".
 */
export async function eachOrg<T>(
  ctx: AppContext,
  job: string,
  items: readonly T[],
  orgOf: (item: T) => string,
  run: (item: T) => Promise<number>,
): Promise<number> {
  let done = 0;
  for (const item of items) {
    try {
      done += await run(item);
    } catch (error) {
      metrics.jobFailures.inc({ job, scope: 'organization' });
      ctx.log.error({ err: error, job, orgId: orgOf(item) }, 'scheduled job failed for one organization; the others go on');
    }
  }
  return done;
}
