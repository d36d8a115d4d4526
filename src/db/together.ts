import { sql, type SQL } from 'drizzle-orm';
import type { Q } from './client.js';

/**
 * Writes whose results nobody reads, sent as one statement: one round trip
 * instead of one each, which under an organization's lock is most of what a
 * write costs (issue 10). Each becomes a data-modifying CTE of `select 1`.
 * They run on one snapshot, so none may read what another writes and no two
 * may change the same row; none may start with a WITH of its own (PostgreSQL
 * takes data-modifying CTEs only at the top level). Undefined ones (nothing to
 * write) are left out.
 */
export async function writeTogether(tx: Q, writes: (SQL | undefined)[]): Promise<void> {
  const present = writes.filter((w): w is SQL => w !== undefined);
  if (present.length === 0) return;
  if (present.length === 1) {
    await tx.execute(present[0]!);
    return;
  }
  const ctes = present.map((w, i) => sql`${sql.raw(`w${i}`)} as (${w})`);
  await tx.execute(sql`with ${sql.join(ctes, sql`, `)} select 1`);
}
