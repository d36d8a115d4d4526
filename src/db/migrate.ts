import { fileURLToPath } from 'node:url';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { Database } from './client.js';

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Applies the committed, versioned SQL migrations that have not run yet. */
export async function migrate(db: Database): Promise<void> {
  await db.read(async (orm) => {
    if (db.kind === 'pglite') await migratePglite(orm as unknown as PgliteDatabase, { migrationsFolder });
    else await migratePg(orm as unknown as NodePgDatabase, { migrationsFolder });
  });
}
