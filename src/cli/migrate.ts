import { migrate } from '../db/migrate.js';
import { CONNECTION_HELP, openDirect, out, type Args, type Command } from './common.js';
import { openConfiguredDatabase } from './database.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply the database migrations',
  help: `Usage:
  tally migrate [--data-dir DIR | --database-url URL]

Applies the committed migrations that have not run yet, on the database given, else the one the
server would use (DATABASE_URL, else the embedded database in TALLY_DATA_DIR). The server also
migrates when it starts.

${CONNECTION_HELP}`,
  async run(args: Args) {
    const db = (await openDirect(args)) ?? (await openConfiguredDatabase());
    try {
      await migrate(db);
      out('migrations applied');
      return 0;
    } finally {
      await db.close();
    }
  },
};
