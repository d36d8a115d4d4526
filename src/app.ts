import pino, { type Logger } from 'pino';
import type { Clock } from './clock.js';
import type { AppContext } from './context.js';
import type { Database } from './db/client.js';
import { migrate } from './db/migrate.js';
import { buildServer } from './http/server.js';
import { emptyHooks } from './modules/ledger/index.js';
import { mailSettings } from './modules/outbox/index.js';
import { manualProvider, type PaymentProvider } from './modules/purchases/index.js';
import { Scheduler } from './jobs/scheduler.js';
import { wireHooks } from './wiring.js';

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
  /** where purchases are paid; unset, the operator confirms each one through the API */
  paymentProvider?: PaymentProvider | undefined;
  /** the address people reach the server at (TALLY_PUBLIC_URL); unset, the address it listens on */
  publicUrl?: string | undefined;
  /** the built dashboard to serve at / */
  dashboardDir?: string | undefined;
}

/** Migrates and builds the services' context, hooks wired: what a process needs to run use cases without serving HTTP. */
export async function createContext(opts: Pick<StartOptions, 'db' | 'clock' | 'log' | 'smtpUrl' | 'mailFrom' | 'paymentProvider'>): Promise<AppContext> {
  const log = opts.log ?? pino({ level: 'silent' });
  opts.db.onConnectionLost = (error) => log.warn({ err: error }, 'a pooled database connection was lost; the next call reconnects');
  await migrate(opts.db);
  const ctx: AppContext = {
    db: opts.db,
    clock: opts.clock,
    log,
    hooks: emptyHooks(),
    mail: mailSettings({ smtpUrl: opts.smtpUrl, mailFrom: opts.mailFrom }),
    payments: opts.paymentProvider ?? manualProvider,
  };
  wireHooks(ctx);
  return ctx;
}

/** Migrates, builds the HTTP server and (optionally) starts the scheduler: everything but listening. */
export async function createApp(opts: StartOptions) {
  const ctx = await createContext(opts);
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
      ctx.mail.transport?.close();
    },
  };
}
