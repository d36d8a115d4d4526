import { migrate } from '../db/migrate.js';
import { openConfiguredDatabase } from './database.js';

export async function runMigrate(): Promise<number> {
  const db = await openConfiguredDatabase();
  try {
    await migrate(db);
    process.stdout.write('migrations applied\n');
    return 0;
  } finally {
    await db.close();
  }
}
