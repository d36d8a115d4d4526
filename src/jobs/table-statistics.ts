import { sql } from 'drizzle-orm';
import type { Job } from './job.js';

const HOUR_MS = 3_600_000;

/**
 * ANALYZE for the embedded database, which has no autovacuum (PGlite runs
 * PostgreSQL in single-user mode). Without statistics the planner takes
 * `org_id = …` to match 0.5% of any table, so every index led by `org_id`
 * looks as good as the primary key for a lookup by id, and a lookup can read
 * all of an organization's rows (docs/performance.md, part 10). On PostgreSQL
 * autovacuum does this and the job does nothing.
 *
 * Due once an hour of wall-clock time (statistics follow how much was written,
 * not the business clock), the first an hour after start: a new database has
 * nothing to describe, and statistics persist across restarts. It holds the
 * embedded database for its duration: 0.3 s for a table of 400,000 rows.
 */
export function tableStatisticsJob(everyMs = HOUR_MS, startedAt = Date.now()): Job {
  let last = startedAt;
  return {
    name: 'table-statistics',
    async run(ctx) {
      if (ctx.db.kind !== 'pglite' || Date.now() - last < everyMs) return 0;
      last = Date.now();
      await ctx.db.read((q) => q.execute(sql`analyze`));
      return 1;
    },
  };
}
