import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import { metrics } from '../metrics.js';
import { eachOrg } from './isolate.js';
import type { Job } from './job.js';
import { expireBlocks, orgsWithDueExpiries } from '../modules/ledger/expiry.js';
import { alertRulesJob } from './alert-rules.js';
import { BLOCK_START, startBlocks } from './block-start.js';
import { cycleRolloverJob, holdExpiryJob } from './allocations.js';
import { capAlertJob } from './cap-alerts.js';
import { outboxDeliveryJob } from './outbox-delivery.js';
import { grantSchedulesJob } from './grant-schedules.js';
import { closeDuePeriods, PERIOD_CLOSE } from './period-close.js';
import { tableStatisticsJob } from './table-statistics.js';


export const expiryJob: Job = {
  name: 'block-expiry',
  async run(ctx) {
    const due = await orgsWithDueExpiries(ctx);
    return eachOrg(ctx, 'block-expiry', due, (orgId) => orgId, (orgId) => expireBlocks({ ctx, orgId }));
  },
};

/** Repays overage from blocks that have started since (SPEC §5 "blocks starting"). */
export const blockStartJob: Job = {
  name: BLOCK_START,
  run: (ctx) => startBlocks(ctx),
};

/** Closes ended billing periods into statements and invoices (SPEC §3.9). */
export const periodCloseJob: Job = {
  name: PERIOD_CLOSE,
  run: (ctx, { instance }) => closeDuePeriods(ctx, instance),
};

/**
 * Runs time-driven jobs inside the server (SPEC §5). A missed run catches up
 * on the next tick because each job asks "what is due now?", never "what is
 * due since the last tick?". Tests call runOnce() with a manual clock.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** names this instance in job_runs */
  readonly instance = `sch_${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly ctx: AppContext,
    // The outbox comes after the jobs that write notifications, so they go out in the same run.
    readonly jobs: Job[] = [
      grantSchedulesJob, blockStartJob, expiryJob, holdExpiryJob, cycleRolloverJob, periodCloseJob, capAlertJob, alertRulesJob,
      outboxDeliveryJob, tableStatisticsJob(),
    ],
    private readonly intervalMs = 30_000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * Runs every job once, in order; returns what each did. A job that throws is logged, counted in
   * /metrics (tally_job_failures_total) and left for the next tick; the jobs after it still run
   * (outbox delivery above all). Its entry is -1.
   */
  async runOnce(): Promise<Record<string, number>> {
    const done: Record<string, number> = {};
    for (const job of this.jobs) {
      try {
        done[job.name] = await job.run(this.ctx, { instance: this.instance });
      } catch (error) {
        done[job.name] = -1;
        metrics.jobFailures.inc({ job: job.name, scope: 'job' });
        this.ctx.log.error({ err: error, job: job.name }, 'scheduled job failed; the next ones run, it is retried next tick');
      }
    }
    return done;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.runOnce()
      .then(() => undefined)
      .catch((error: unknown) => this.ctx.log.error({ err: error }, 'scheduler run failed'))
      .finally(() => (this.running = undefined));
    await this.running;
  }
}
