import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../app.js';
import { systemClock } from '../clock.js';
import { TallyApiError, TallyClient } from '../client/index.js';
import { loadConfig, type Config } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import type { AppContext } from '../context.js';

/** One sub-command: its help text lists every option. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: Args): Promise<number>;
}

export interface Args {
  positional: string[];
  flags: Map<string, string | true>;
}

/** `--name value`, `--name=value` and bare `--flag`; everything else is positional. */
export function parseArgs(argv: string[], booleans: string[] = []): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (booleans.includes(arg.slice(2)) || i + 1 >= argv.length || argv[i + 1]!.startsWith('--')) flags.set(arg.slice(2), true);
    else flags.set(arg.slice(2), argv[++i]!);
  }
  return { positional, flags };
}

export class UsageError extends Error {}

export function flag(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

export function required(args: Args, name: string, what: string): string {
  const v = flag(args, name);
  if (!v) throw new UsageError(`--${name} is required (${what})`);
  return v;
}

export const CONNECTION_HELP = `Connection (a running server by default):
  TALLY_URL              the server, default http://127.0.0.1:4000
  TALLY_PLATFORM_KEY     its platform key (else read from <TALLY_DATA_DIR>/platform-key, where \`npm start\` stores it)
  --data-dir DIR         open the embedded (PGlite) database in DIR directly, when no server runs
  --database-url URL     open a PostgreSQL database directly`;

/** The platform key the CLI sends: the environment's, else the one `npm start` stored in the data folder. */
function platformKey(config: Config): string | undefined {
  if (config.platformKey) return config.platformKey;
  const file = join(config.dataDir, 'platform-key');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

export interface Connection {
  client: TallyClient;
  /** set when the database is open in this process (--data-dir / --database-url) */
  ctx: AppContext | undefined;
  /** where the commands go, for messages */
  where: string;
  close(): Promise<void>;
}

/** The database named by --data-dir / --database-url, when given. */
export async function openDirect(args: Args): Promise<Database | undefined> {
  const dataDir = flag(args, 'data-dir');
  const databaseUrl = flag(args, 'database-url');
  if (!dataDir && !databaseUrl) return undefined;
  return openDatabase({ databaseUrl, dataDir: dataDir ?? loadConfig().dataDir });
}

/**
 * A client for the running server (TALLY_URL) or, with --data-dir / --database-url, for a server
 * built in this process on that database and called without a socket: every command then runs
 * the same API calls either way.
 */
export async function connect(args: Args): Promise<Connection> {
  const db = await openDirect(args);
  if (db) {
    const key = `tp_cli_${randomBytes(16).toString('hex')}`;
    const app = await createApp({ db, clock: systemClock, platformKey: key, log: pino({ level: 'silent' }) });
    const client = new TallyClient({ baseUrl: 'http://tally.local', key, fetch: injectFetch(app.server) });
    return {
      client,
      ctx: app.ctx,
      where: db.kind === 'pglite' ? 'the embedded database' : 'the PostgreSQL database',
      async close() {
        await app.close();
        await db.close();
      },
    };
  }
  const config = loadConfig();
  const key = platformKey(config);
  if (!key) {
    throw new UsageError(
      `No platform key: set TALLY_PLATFORM_KEY, or run where \`npm start\` stored it (${join(config.dataDir, 'platform-key')}; TALLY_DATA_DIR names that folder).`,
    );
  }
  const url = config.serverUrl;
  const client = new TallyClient({ baseUrl: url, key, fetch: explainingFetch(url, config) });
  return { client, ctx: undefined, where: url, close: async () => {} };
}

/** fetch, with "fetch failed" and a refused key turned into what to set. */
function explainingFetch(url: string, config: Config): typeof fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch {
      throw new UsageError(
        `No Tally server answers at ${url} (TALLY_URL). Start one with \`npm start\`, or pass --data-dir to read the embedded database directly.`,
      );
    }
    if (response.status === 401) {
      throw new UsageError(
        `The server at ${url} refused the platform key: set TALLY_PLATFORM_KEY to the key it runs with (\`npm start\` stored it in ${join(config.dataDir, 'platform-key')}).`,
      );
    }
    return response;
  };
}

interface Injectable {
  inject(opts: { method: string; url: string; headers: Record<string, string>; payload?: Buffer }): Promise<{
    statusCode: number;
    headers: Record<string, unknown>;
    rawPayload: Buffer;
  }>;
}

/** fetch over Fastify's inject: the in-process server answers without a port. */
function injectFetch(server: Injectable): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const res = await server.inject({
      method: request.method,
      url: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      ...(body ? { payload: body } : {}),
    });
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, String(v));
    const empty = res.statusCode === 204 || res.statusCode === 304;
    return new Response(empty ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers });
  };
}

/** Runs a command body with a connection, closing it after. */
export async function withConnection(args: Args, body: (c: Connection) => Promise<number>): Promise<number> {
  const connection = await connect(args);
  try {
    return await body(connection);
  } finally {
    await connection.close();
  }
}

export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Rows as aligned columns, the header first. */
export function table(header: string[], rows: (string | number | null | undefined)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  for (const r of cells) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** The message a failure prints: the server's sentence, or ours. */
export function describeFailure(error: unknown): string {
  if (error instanceof TallyApiError) return `${error.message} (${error.code}, HTTP ${error.status})`;
  return (error as Error).message;
}
