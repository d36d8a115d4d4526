import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPglite, openPostgres, type Database } from '../../src/db/client.js';

/**
 * The databases every data test runs on: PGlite always, PostgreSQL too when
 * TALLY_TEST_DATABASE_URL is set. Each test suite gets a database of its own.
 */
export interface TestDatabase {
  name: 'pglite' | 'postgres';
  open(): Promise<Database>;
}

const url = process.env.TALLY_TEST_DATABASE_URL;

export const testDatabases: TestDatabase[] = [
  { name: 'pglite', open: () => openPglite(undefined) },
  ...(url ? [{ name: 'postgres' as const, open: () => openFreshPostgres(url) }] : []),
];

export const hasPostgres = url !== undefined;

async function openFreshPostgres(baseUrl: string): Promise<Database> {
  const fresh = await createFreshPostgres(baseUrl);
  const db = await openPostgres(fresh.url, 40);
  return {
    ...db,
    async close() {
      await db.close();
      await fresh.drop();
    },
  };
}

/** A new, empty database on the server at `baseUrl`: its URL, and how to drop it once its pools have ended. */
export async function createFreshPostgres(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tally_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const target = new URL(baseUrl);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    async drop() {
      const drop = new pg.Client({ connectionString: baseUrl });
      await drop.connect();
      // pool.end() resolves before its connections have finished closing; dropping
      // "with (force)" at once would kill them mid-close and surface as an unhandled
      // 57P01 error. Wait for them to go, and force only as a last resort.
      for (let attempt = 0; ; attempt++) {
        try {
          await drop.query(`drop database if exists ${name}${attempt >= 50 ? ' with (force)' : ''}`);
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      await drop.end();
    },
  };
}
