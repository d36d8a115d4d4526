import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Database } from './db/client.js';
import type { LedgerHooks } from './modules/ledger/index.js';
import type { MailSettings } from './modules/outbox/index.js';
import type { PaymentProvider } from './modules/purchases/index.js';

/**
 * What every service needs: the database, the clock, a logger, the
 * in-transaction hooks and the outside providers (mail, payments). Built once
 * by src/app.ts; the hooks are filled in by src/wiring.ts.
 */
export interface AppContext {
  db: Database;
  clock: Clock;
  log: Logger;
  hooks: LedgerHooks;
  /** where notification emails go; without a transport they stay in the outbox */
  mail: MailSettings;
  /** where a purchase's money comes from */
  payments: PaymentProvider;
}
