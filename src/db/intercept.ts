import pg from 'pg';

/** A pooled connection's `query`, as pg takes it: (config or text, values?, callback?). */
export type QueryCall = (...args: unknown[]) => unknown;

/**
 * Puts `wrap` around the `query` of every connection a pool opens: the one
 * place where Tally replaces pg's client.query (array literals in arrays.ts,
 * statement names in prepared.ts). `wrap` runs once per connection, so state it
 * keeps is per connection. Call right after creating the pool; a wrapper added
 * later runs before the ones added earlier.
 */
export function interceptQueries(pool: pg.Pool, wrap: (query: QueryCall) => QueryCall): void {
  pool.on('connect', (client) => {
    const connection = client as unknown as { query: QueryCall };
    connection.query = wrap(connection.query.bind(client));
  });
}
