import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, rows, type Database, type Q } from '../src/db/client.js';
import { PLAN_EACH_TIME, prepareRepeatedStatements } from '../src/db/prepared.js';
import { recordedEventIdsQuery } from '../src/modules/events/queries.js';
import { createFreshPostgres } from './helpers/db.js';

/**
 * Named statements on PostgreSQL (src/db/prepared.ts): a text run a few times
 * is prepared once per connection, a one-off text never is, their number per
 * connection is bounded, and TALLY_PG_PREPARE=0 turns them off. PGlite has no
 * pool of connections and does not use them, so this runs on PostgreSQL only.
 */
const url = process.env.TALLY_TEST_DATABASE_URL;

describe.skipIf(url === undefined)('named statements (postgres)', () => {
  let target: string;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ url: target, drop } = await createFreshPostgres(url!));
  });
  afterAll(async () => drop());

  /** Runs `run` with a database of one pooled connection, closed afterwards. */
  async function onOneConnection(run: (db: Database) => Promise<void>, options?: { prepare?: boolean }): Promise<void> {
    const db = await openPostgres(target, 1, options);
    try {
      await run(db);
    } finally {
      await db.close();
    }
  }

  /** Runs fn on one connection (a transaction) and then reads that connection's prepared statements. */
  async function preparedAfter(db: Database, fn: (tx: Q) => Promise<void>): Promise<string[]> {
    return db.transaction(async (tx) => {
      await fn(tx);
      const found = await rows<{ statement: string }>(tx, sql`select statement from pg_prepared_statements where name like 'tally\\_%' order by name`);
      return found.map((r) => r.statement);
    });
  }

  it('prepares a statement run repeatedly, once, and leaves a one-off text alone', async () => {
    await onOneConnection(async (db) => {
      const statements = await preparedAfter(db, async (tx) => {
        for (let i = 0; i < 6; i++) await rows(tx, sql`select ${i}::int + 1 as repeated`);
        await rows(tx, sql`select 1 as once`);
      });
      expect(statements).toEqual(['select $1::int + 1 as repeated']);
      // and it answers with this call's parameters, not the first call's
      const [answer] = await db.read((q) => rows<{ repeated: number }>(q, sql`select ${41}::int + 1 as repeated`));
      expect(answer!.repeated).toBe(42);
    });
  });

  it("plans the ingest's duplicate check each time (PLAN_EACH_TIME), whatever the number of runs", async () => {
    await onOneConnection(async (db) => {
      const statements = await preparedAfter(db, async (tx) => {
        await tx.execute(sql`create table if not exists events (org_id text, id text, primary key (org_id, id))`);
        for (let i = 0; i < 8; i++) await rows(tx, recordedEventIdsQuery([{ orgId: 'o', id: `e${i}` }]));
        for (let i = 0; i < 8; i++) await rows(tx, sql`${sql.raw(PLAN_EACH_TIME)}select ${i}::int as marked`);
      });
      expect(statements).toEqual([]);
    });
  });

  it('names at most 300 texts on one connection', async () => {
    await onOneConnection(async (db) => {
      const statements = await preparedAfter(db, async (tx) => {
        for (let text = 0; text < 320; text++) {
          for (let run = 0; run < 4; run++) await rows(tx, sql.raw(`select ${text} as n${text}`));
        }
      });
      expect(statements).toHaveLength(300);
    });
  });

  it('runs a Submittable (a cursor, a stream) as it is, however often', async () => {
    const pool = new pg.Pool({ connectionString: target, max: 1 });
    prepareRepeatedStatements(pool);
    const client = await pool.connect();
    try {
      for (let run = 0; run < 5; run++) {
        const submitted = client.query(new pg.Query('select 41 + 1 as answer'));
        const answer = await new Promise<unknown>((resolve, reject) => {
          submitted.on('row', (row: { answer: number }) => resolve(row.answer));
          submitted.on('error', reject);
        });
        expect(answer).toBe(42);
      }
    } finally {
      client.release();
      await pool.end();
    }
  });

  it('prepares nothing when turned off', async () => {
    await onOneConnection(async (db) => {
      const statements = await preparedAfter(db, async (tx) => {
        for (let i = 0; i < 6; i++) await rows(tx, sql`select ${i}::int + 1 as repeated`);
      });
      expect(statements).toEqual([]);
    }, { prepare: false });
  });
});
