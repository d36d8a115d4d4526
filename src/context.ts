import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Database } from './db/client.js';
import type { LedgerHooks } from './modules/ledger/hooks.js';

/** What every service needs: the database, the clock, a logger and the in-transaction hooks. */
export interface AppContext {
  db: Database;
  clock: Clock;
  log: Logger;
  hooks: LedgerHooks;
}
