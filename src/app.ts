import pino, { type Logger } from 'pino';
import type { Clock } from './clock.js';
import type { AppContext } from './context.js';
import type { Database } from './db/client.js';
import { migrate } from './db/migrate.js';
import { buildServer } from './http/server.js';
import { emptyHooks } from './modules/ledger/hooks.js';
import { installNotifications } from './modules/alerts/install.js';
import { closeDelivery } from './modules/outbox/settings.js';
import { recordCycleUsage } from './modules/allocations/usage.js';
import { Scheduler } from './jobs/scheduler.js';
import { planAdmission } from './modules/plan/service.js';
import { capAdmission, capUsageRecorded } from './modules/caps/admission.js';
import { meterBalanceAdmission } from './modules/balance/meterAdmission.js';
import { foldLedgerOf } from './modules/statements/queries.js';

export interface StartOptions {
  db: Database;
  clock: Clock;
  platformKey: string;
  log?: Logger;
  logRequests?: boolean;
  scheduler?: boolean;
  /** SMTP server for notification emails (TALLY_SMTP_URL); unset keeps emails in the outbox */
  smtpUrl?: string | undefined;
  mailFrom?: string | undefined;
  /** the address people reach the server at (TALLY_PUBLIC_URL); unset, the address it listens on */
  publicUrl?: string | undefined;
  /** the built dashboard to serve at / */
  dashboardDir?: string | undefined;
}

/** Migrates, builds the HTTP server and (optionally) starts the scheduler: everything but listening. */
export async function createApp(opts: StartOptions) {
  const log = opts.log ?? pino({ level: 'silent' });
  const ctx: AppContext = { db: opts.db, clock: opts.clock, log, hooks: emptyHooks() };
  ctx.hooks.usageRecorded.push(recordCycleUsage);
  opts.db.onConnectionLost = (error) => log.warn({ err: error }, 'a pooled database connection was lost; the next call reconnects');
  await migrate(opts.db);
  installNotifications(ctx, { smtpUrl: opts.smtpUrl, mailFrom: opts.mailFrom });
  // Statements: fold new ledger entries into ledger_daily in the transaction that wrote them.
  ctx.hooks.balanceChanged.push(({ tx, orgs }) => foldLedgerOf(tx, orgs.map(({ org }) => ({ orgId: org.id, zone: org.timezone }))));
  // Plan limits (SPEC §3.10): admission refuses what a hard credits_per_period limit forbids.
  ctx.hooks.admission.push(planAdmission);
  // Spend caps (SPEC §3.16): counters kept with the usage; block caps refuse at admission.
  ctx.hooks.usageRecorded.push(capUsageRecorded);
  ctx.hooks.admission.push(capAdmission);
  // Scoped credits (SPEC §3.16): a check or hold for a meter counts only the credit that may pay for it.
  ctx.hooks.admission.push(meterBalanceAdmission);
  const server = await buildServer({ ctx, platformKey: opts.platformKey, logger: opts.logRequests ?? false, dashboardDir: opts.dashboardDir, publicUrl: opts.publicUrl });
  const scheduler = new Scheduler(ctx);
  if (opts.scheduler) scheduler.start();
  return {
    ctx,
    server,
    scheduler,
    async close() {
      await scheduler.stop();
      await server.close();
      closeDelivery(ctx);
    },
  };
}
