import type { AppContext } from '../context.js';

/** One time-driven job of the scheduler (SPEC §5). */
export interface Job {
  name: string;
  /** Does whatever is due at ctx.clock.now(); idempotent, safe to run on several instances. */
  run(ctx: AppContext, runner: { instance: string }): Promise<number>;
}
