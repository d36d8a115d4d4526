import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import pg from 'pg';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import * as schema from './schema/index.js';
import { Mutex } from './mutex.js';
import { writeArrayLiterals } from './arrays.js';
import { prepareRepeatedStatements } from './prepared.js';

export type Schema = typeof schema;
/** A query executor: the database itself or an open transaction. */
export type Q = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  kind: 'pglite' | 'postgres';
  /** PostgreSQL only: the URL, so migrations can take a connection of their own. */
  url?: string;
  /** Runs fn in one transaction, retried on serialization failures and deadlocks. */
  transaction<T>(fn: (tx: Q) => Promise<T>): Promise<T>;
  /** Runs reads outside a transaction (serialized with writes on PGlite). */
  read<T>(fn: (q: Q) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** PostgreSQL only: told when an idle pooled connection dies (a database restart); the app logs it. */
  onConnectionLost?: (error: Error) => void;
}

/** Raw SQL returning typed rows, on either driver. */
export async function rows<T>(q: Q, query: SQL): Promise<T[]> {
  const result = (await q.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

// int8 must come back as bigint, numeric as text: never a float for money.
pg.types.setTypeParser(20, (v) => BigInt(v));
pg.types.setTypeParser(1700, (v) => v);

const RETRYABLE = new Set(['40001', '40P01', 'tally_retry']);

/**
 * Thrown inside a transaction to have it rolled back and run again from the
 * start, like a serialization failure: what it relied on was a hint that
 * turned out stale (LedgerBatch's cached chain head).
 */
export class RetryTransaction extends Error {
  readonly code = 'tally_retry';
}
const MAX_ATTEMPTS = 8;

async function retrying<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = (error as { code?: string; cause?: { code?: string } }).code ??
        (error as { cause?: { code?: string } }).cause?.code;
      if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

export async function openPostgres(url: string, poolSize = 10, { prepare = true }: { prepare?: boolean } = {}): Promise<Database> {
  // A caller waits at most this long for a pooled connection: during an outage it gets a 503 instead of hanging.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000 });
  writeArrayLiterals(pool);
  if (prepare) prepareRepeatedStatements(pool);
  const orm = drizzlePg(pool, { schema }) as unknown as Q;
  const db: Database = {
    kind: 'postgres',
    url,
    transaction: (fn) => retrying(() => orm.transaction((tx) => fn(tx as unknown as Q))),
    read: (fn) => fn(orm),
    close: () => pool.end(),
  };
  // An idle connection that dies (database restart, failover, idle timeout) is emitted on the pool; with no
  // listener Node turns it into an uncaught exception that ends the process. The pool drops that client
  // itself and connects anew on the next call, so noting it is all there is to do.
  pool.on('error', (error) => db.onConnectionLost?.(error));
  return db;
}

// SQLSTATE classes and driver errors meaning "the database is not reachable now" (not a fault of the request).
// 3D000 (database does not exist) and 57P04 (database dropped): the database was dropped or renamed under a
// running server, so every new connection is refused; unavailable until it is back, like a server that is down.
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '57P04', '3D000', '53300', '08000', '08001', '08003', '08004', '08006', '08007']);
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended|terminating connection/i;
// Values the database refuses that only input can produce: overflow, bad text, a malformed date.
const OUT_OF_RANGE_STATES = new Set(['22003', '22008', '22007', '22P05', '22021', '22P02']);

/**
 * Sorts a thrown error: the database unreachable (→ 503), a value out of its
 * range (→ 400), or anything else (a fault of ours → 500). Drizzle wraps the
 * driver's error, so the chain of causes is searched.
 */
export function classifyDatabaseError(error: unknown): 'unavailable' | 'out_of_range' | undefined {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNAVAILABLE_STATES.has(code) || UNAVAILABLE_ERRNO.has(code)) return 'unavailable';
    if (OUT_OF_RANGE_STATES.has(code)) return 'out_of_range';
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return 'unavailable';
  }
  return undefined;
}

export class DataDirLockedError extends Error {}

/**
 * PGlite is one connection inside this process: every piece of work on it is
 * serialized by a mutex. A lock file keeps a second process off the folder,
 * because two processes on one PGlite folder lose writes silently.
 */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  let release = (): void => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    release = takeLock(join(dataDir, 'tally.lock'));
    if (!pgliteExists(dataDir)) initPgliteApart(join(dataDir, 'pg'));
  }
  const client = new PGlite(dataDir ? join(dataDir, 'pg') : undefined, {
    parsers: { [pgliteTypes.INT8]: (v: string) => BigInt(v), [pgliteTypes.NUMERIC]: (v: string) => v },
    startParams: PGLITE_START,
  });
  const orm = drizzlePglite(client, { schema }) as unknown as Q;
  const mutex = new Mutex();
  return {
    kind: 'pglite',
    transaction: (fn) => retrying(() => mutex.run(() => orm.transaction((tx) => fn(tx as unknown as Q)))),
    read: (fn) => mutex.run(() => fn(orm)),
    close: async () => {
      await mutex.run(() => client.close());
      release();
    },
  };
}

/** Whether the data folder already holds an embedded database (false before the first start). */
export function pgliteExists(dataDir: string): boolean {
  return existsSync(join(dataDir, 'pg', 'PG_VERSION'));
}

/**
 * PGlite's own start parameters with smaller memory settings (docs/performance.md, "Embedded
 * database memory"): PGlite runs PostgreSQL as WebAssembly inside this process, and a WebAssembly
 * memory grows but never shrinks, so every buffer PostgreSQL touches stays in the server's
 * resident memory. 16 MB of shared buffers and 2 MB of work memory keep an embedded server near
 * 250 MB; the embedded database is for one machine and modest volumes, PostgreSQL for more.
 */
const PGLITE_START = [
  ...['--single', '-F', '-O', '-j', '-c', 'search_path=public', '-c', 'exit_on_error=false', '-c', 'log_checkpoints=false'],
  ...['-c', 'max_worker_processes=0', '-c', 'max_parallel_workers=0', '-c', 'max_parallel_workers_per_gather=0'],
  ...['-c', 'io_method=sync', '-c', 'max_parallel_maintenance_workers=0'],
  ...['-c', 'shared_buffers=16MB', '-c', 'work_mem=2MB', '-c', 'maintenance_work_mem=16MB', '-c', 'wal_buffers=1MB', '-c', 'temp_buffers=2MB'],
];

/**
 * Creates a new PGlite data folder in a short-lived child process: `initdb` inside WebAssembly
 * takes the memory of a whole cluster bootstrap (~900 MB), which the server would otherwise keep
 * for its whole life (WebAssembly memory never shrinks).
 */
function initPgliteApart(folder: string): void {
  const pglite = import.meta.resolve('@electric-sql/pglite');
  const code = `const { PGlite } = await import(${JSON.stringify(pglite)}); const db = new PGlite(${JSON.stringify(folder)}); await db.query('select 1'); await db.close();`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`Could not create the embedded database in ${folder}: ${run.stderr.trim() || `exit code ${run.status}`}`);
}

function takeLock(path: string): () => void {
  try {
    const fd = openSync(path, 'wx');
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number(readFileSync(path, 'utf8'));
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new DataDirLockedError(
        `The data folder ${path.replace(/\/tally\.lock$/, '')} is in use by process ${holder}. ` +
          'Stop that process first, or point TALLY_DATA_DIR at another folder.',
      );
    }
    writeFileSync(path, String(process.pid)); // a stale lock from a process that died
  }
  return () => {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function openDatabase(opts: { databaseUrl?: string | undefined; dataDir?: string | undefined; prepare?: boolean }): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, undefined, { prepare: opts.prepare ?? true }) : openPglite(opts.dataDir);
}
