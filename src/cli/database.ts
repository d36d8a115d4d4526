import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';

/** The database the server would use, from the same configuration. */
export function openConfiguredDatabase(): Promise<Database> {
  const config = loadConfig();
  return openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, prepare: config.pgPrepare });
}
