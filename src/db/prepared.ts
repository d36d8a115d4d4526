import pg from 'pg';
import { interceptQueries } from './intercept.js';

/**
 * Named (prepared) statements for the SQL a server runs over and over
 * (issue 10). PostgreSQL parses, analyzes and plans an unnamed statement on
 * every call; for the real-time path's larger statements (admission figures,
 * the ledger write, the fold) that was more of the database's time than
 * running them. A statement text seen SEEN_BEFORE_NAMING times gets a name;
 * each connection then parses it once, and after five runs PostgreSQL may keep
 * a generic plan for it (its usual rule: only when that plan is not costlier).
 *
 * Bounded: at most MAX_TEXTS texts are counted and at most MAX_PER_CONNECTION
 * are named on one connection (the hot ones come first; texts built with a
 * varying number of parameters, such as multi-row inserts, mostly never reach
 * the count). Off with TALLY_PG_PREPARE=0, for a pooler that cannot carry
 * named statements (PgBouncer in transaction mode before 1.21).
 */
const SEEN_BEFORE_NAMING = 3;
const MAX_TEXTS = 2_000;
const MAX_PER_CONNECTION = 300;

/**
 * A statement whose text starts with this is planned on every run, never named.
 * For a probe whose right plan depends on how big a table has grown: a named
 * statement's generic plan is made once, and on a table that was nearly empty
 * then (a new database's first minute, before autovacuum's first ANALYZE) it
 * can stay on the wrong index while the table grows. Seen with the ingest's
 * duplicate check: its generic plan read the organization's whole `events_time`
 * range per asked id instead of probing the primary key (bench:realtime, one
 * organization: 4.2 ms a statement on average, up to 37 ms, under the lock;
 * 0.3 ms planned each time). Its planning costs far less than such a plan.
 */
export const PLAN_EACH_TIME = '/* plan each time */ ';

interface Counted {
  seen: number;
  name: string;
}

/** Gives a pool's connections statement names; call once, right after creating the pool. */
export function prepareRepeatedStatements(pool: pg.Pool): void {
  const texts = new Map<string, Counted>();
  interceptQueries(pool, (query) => {
    const named = new Set<string>();
    return (config, ...rest) => {
      if (isPlainQuery(config)) {
        const text = config.text;
        if (typeof text === 'string' && !text.startsWith(PLAN_EACH_TIME)) {
          const name = nameFor(texts, text);
          if (name !== undefined && (named.has(name) || named.size < MAX_PER_CONNECTION)) {
            named.add(name);
            return query({ ...config, name }, ...rest);
          }
        }
      }
      return query(config, ...rest);
    };
  });
}

/** A query config without a name; not a Submittable (a cursor, a COPY stream), which pg runs as it is. */
function isPlainQuery(config: unknown): config is { text?: unknown } {
  if (typeof config !== 'object' || config === null) return false;
  const c = config as { name?: unknown; submit?: unknown };
  return !c.name && typeof c.submit !== 'function';
}

function nameFor(texts: Map<string, Counted>, text: string): string | undefined {
  let counted = texts.get(text);
  if (counted === undefined) {
    if (texts.size >= MAX_TEXTS) return undefined;
    counted = { seen: 0, name: `tally_${texts.size + 1}` };
    texts.set(text, counted);
  }
  if (counted.seen < SEEN_BEFORE_NAMING) {
    counted.seen++;
    return undefined;
  }
  return counted.name;
}
