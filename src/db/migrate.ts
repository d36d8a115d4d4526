import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { Database } from './client.js';

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Any constant: the advisory lock that lets one instance at a time migrate a PostgreSQL database. */
const MIGRATION_LOCK = 7_243_001;

/** Applies the committed, versioned SQL migrations that have not run yet. */
export async function migrate(db: Database): Promise<void> {
  if (db.kind === 'pglite') {
    await db.read((orm) => migratePglite(orm as unknown as PgliteDatabase, { migrationsFolder }));
    return;
  }
  // Several instances may start at once: the migrator runs on one connection that holds an
  // advisory lock, so the second instance waits and then finds nothing left to apply.
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  try {
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await migratePg(drizzlePg(client), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
  } finally {
    await pool.end();
  }
}
