import { sql, type SQL } from 'drizzle-orm';

/**
 * `column > after`, written as a closed range (`and column <= the largest
 * bigint`) so the planner reads it through the index that leads with the
 * column. When `after` is not known while planning (a column of another row,
 * a subquery, a generic plan's parameter), PostgreSQL estimates an open range
 * at a third of the rows, and a closed one as narrow: the ledger fold read
 * every entry of an organization through another index before
 * (test/query-plans.test.ts).
 */
export function idsAfter(column: SQL, after: SQL): SQL {
  return sql`${column} > ${after} and ${column} <= 9223372036854775807`;
}
