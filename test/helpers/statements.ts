import type { SQL } from 'drizzle-orm';
import type { Q } from '../../src/db/client.js';

/**
 * `tx` as a path sees it, with every statement it executes shown to `see`
 * first (before it runs): to count a path's statements or explain each one.
 */
export function seeingStatements(tx: Q, see: (statement: SQL) => void | Promise<void>): Q {
  const spy = Object.create(tx) as Q;
  spy.execute = (async (statement: SQL) => {
    await see(statement);
    return tx.execute(statement);
  }) as Q['execute'];
  return spy;
}
