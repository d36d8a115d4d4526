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
  const statement = together(writes);
  if (statement) await tx.execute(statement);
}

/** The one statement writeTogether sends (none when there is nothing to write). */
export function together(writes: (SQL | undefined)[]): SQL | undefined {
  const present = writes.filter((w): w is SQL => w !== undefined);
  if (present.length <= 1) return present[0];
  const ctes = present.map((w, i) => sql`${sql.raw(`w${i}`)} as (${w})`);
  return sql`with ${sql.join(ctes, sql`, `)} select 1`;
}
