import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { recordedEventIdsQuery } from '../src/modules/events/queries.js';
import { foldWrites } from '../src/modules/statements/queries.js';
import { together } from '../src/db/together.js';
import { testDatabases } from './helpers/db.js';
import { explainAnalyzed, rowsReadFrom, type PlanNode } from './helpers/plans.js';

/**
 * The statements every ingest transaction runs read what the batch touches,
 * not the table: with 20 organizations of 2,000 events and ledger entries each,
 * the rows a statement reads from `events` or `ledger_entries` (EXPLAIN ANALYZE:
 * rows returned plus rows removed by filters, over all loops) stay within what
 * the batch asked for. Before, the duplicate check and the ledger fold of a
 * mixed batch were planned as scans of every event and every entry of its
 * organizations, so a mixed batch slowed down as the tables grew (issue 10).
 */
const ORGS = 20;
const PER_ORG = 2_000;
const orgId = (i: number) => `plan-org-${String(i).padStart(2, '0')}`;

for (const target of testDatabases) {
  describe(`query plans of the ingest path (${target.name})`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await target.open();
      await migrate(db);
      await db.transaction(async (tx) => {
        await tx.execute(sql`
          insert into events (org_id, id, meter, quantity, timestamp, recorded_at, cost_credits, overage)
          select 'plan-org-' || lpad((i % ${ORGS})::text, 2, '0'), 'evt-' || i, 'tokens', 1, now(), now(), 1, 0
          from generate_series(1, ${ORGS * PER_ORG}) as i`);
        await tx.execute(sql`
          insert into ledger_entries (org_id, type, amount, from_account, to_account, occurred_at, recorded_at)
          select 'plan-org-' || lpad((i % ${ORGS})::text, 2, '0'), 'usage', 1, 'overage', 'consumed', now(), now()
          from generate_series(1, ${ORGS * PER_ORG}) as i`);
      });
      await db.transaction(async (tx) => {
        await tx.execute(sql`analyze events`);
        await tx.execute(sql`analyze ledger_entries`);
      });
    });
    afterAll(async () => db.close());

    /** Runs the statement under EXPLAIN ANALYZE in a transaction that is rolled back: its plan, nothing written. */
    async function plan(statement: SQL): Promise<PlanNode> {
      let found: PlanNode | undefined;
      await db
        .transaction(async (tx) => {
          found = await explainAnalyzed(tx, statement);
          throw new Error('roll back');
        })
        .catch((error: unknown) => {
          if (!(error instanceof Error) || error.message !== 'roll back') throw error;
        });
      return found!;
    }

    it('the duplicate check of a mixed batch probes one event per asked id', async () => {
      // 1,000 ids over the 20 organizations (event evt-n is organization n % 20's), half of them recorded
      const asked = Array.from({ length: 1_000 }, (_, i) => i + 1).map((n) => ({ orgId: orgId(n % ORGS), id: n % 2 === 0 ? `evt-${n}` : `new-${n}` }));
      const found = await db.read((q) => rows<{ org_id: string; id: string }>(q, recordedEventIdsQuery(asked)));
      expect(found.length).toBe(500);
      const read = rowsReadFrom(await plan(recordedEventIdsQuery(asked)), 'events');
      expect(read).toBeLessThanOrEqual(asked.length);
    });

    it('the ledger fold of 20 organizations reads only the entries past their watermarks', async () => {
      const orgs = Array.from({ length: ORGS }, (_, i) => ({ orgId: orgId(i), zone: 'UTC' }));
      const [last] = await db.read((q) => rows<{ max: string }>(q, sql`select max(id)::text as max from ledger_entries`));
      const watermark = BigInt(last!.max) - 100n;
      await db.transaction(async (tx) => {
        await tx.execute(sql`
          insert into ledger_fold (org_id, last_entry_id)
          select u.org_id, ${watermark.toString()}::bigint from unnest(${sql.param(orgs.map((o) => o.orgId))}::text[]) as u(org_id)`);
      });
      // the two writes of the fold (ledger_daily, the watermarks) each read the 100 new entries
      const read = rowsReadFrom(await plan(together(foldWrites(orgs))!), 'ledger_entries');
      expect(read).toBeLessThanOrEqual(200);
      expect(read).toBeGreaterThan(0);
    });
  });
}
