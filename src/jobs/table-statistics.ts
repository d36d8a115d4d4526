import { sql } from 'drizzle-orm';
import type { Job } from './job.js';

const MINUTE_MS = 60_000;

/**
 * ANALYZE for the embedded database, which has no autovacuum (PGlite runs
 * PostgreSQL in single-user mode). Without statistics the planner takes
 * `org_id = …` to match 0.5% of any table, so every index led by `org_id`
 * looks as good as the primary key for a lookup by id, and a lookup can read
 * all of an organization's rows (docs/performance.md, real-time part 10). On
 * PostgreSQL autovacuum does this and the job does nothing.
 *
 * Due by wall-clock time, not the business clock (statistics follow what was
 * written): five minutes after start, then every hour. Statistics persist in
 * the data folder, and even those of small tables settle the tie (it is the
 * share of rows per organization that was missing, not the size). It holds the
 * embedded database while it runs: 0.3 s for a table of 400,000 rows.
 */
export function tableStatisticsJob({ firstAfterMs = 5 * MINUTE_MS, everyMs = 60 * MINUTE_MS, startedAt = Date.now() } = {}): Job {
  let due = startedAt + firstAfterMs;
  return {
    name: 'table-statistics',
    async run(ctx) {
      if (ctx.db.kind !== 'pglite' || Date.now() < due) return 0;
      due = Date.now() + everyMs;
      await ctx.db.read((q) => q.execute(sql`analyze`));
      return 1;
    },
  };
}
