import pino, { type Logger } from 'pino';
import type { Clock } from './clock.js';
import type { AppContext } from './context.js';
import type { Database } from './db/client.js';
import { migrate } from './db/migrate.js';
import { buildServer } from './http/server.js';
import { emptyHooks } from './modules/ledger/hooks.js';
import { recordCycleUsage } from './modules/allocations/usage.js';
import { Scheduler } from './jobs/scheduler.js';

export interface StartOptions {
  db: Database;
  clock: Clock;
  platformKey: string;
  log?: Logger;
  logRequests?: boolean;
  scheduler?: boolean;
  /** the built dashboard to serve at / */
  dashboardDir?: string | undefined;
}

/** Migrates, builds the HTTP server and (optionally) starts the scheduler: everything but listening. */
export async function createApp(opts: StartOptions) {
  const log = opts.log ?? pino({ level: 'silent' });
  const ctx: AppContext = { db: opts.db, clock: opts.clock, log, hooks: emptyHooks() };
  ctx.hooks.usageRecorded.push(recordCycleUsage);
  await migrate(opts.db);
  const server = await buildServer({ ctx, platformKey: opts.platformKey, logger: opts.logRequests ?? false, dashboardDir: opts.dashboardDir });
  const scheduler = new Scheduler(ctx);
  if (opts.scheduler) scheduler.start();
  return {
    ctx,
    server,
    scheduler,
    async close() {
      await scheduler.stop();
      await server.close();
    },
  };
}
