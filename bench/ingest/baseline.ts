/**
 * The ingest benchmark's baseline: the same unique rows the ingest stored,
 * rated with the server's own rating function, loaded with one COPY into a
 * scratch table shaped like `events` — the raw rate the ingest is compared to.
 */
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { parseMicro } from '../../src/domain/money.js';
import { rate } from '../../src/domain/rating.js';
import { CREDIT_FACTOR, METERS, type BenchEvent } from './workload.js';

const COLUMNS = [
  'org_id',
  'id',
  'meter',
  'quantity',
  'timestamp',
  'recorded_at',
  'user_id',
  'project',
  'resource_class',
  'job_id',
  'job_name',
  'properties',
  'cost_credits',
  'cost_usd',
  'overage',
];

/** COPY text format: tab-separated, \N for null, backslash escapes. */
function copyField(v: string | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  return v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** The rows the ingest stored, rated with the server's own rating function (and checked against its answers). */
export function rawRows(unique: BenchEvent[], costs: Map<string, string>, recordedAt: string): { text: string; mismatches: number } {
  let mismatches = 0;
  const lines: string[] = [];
  for (const e of unique) {
    const meter = METERS[e.meter]!;
    const org = Number(e.org.slice(-3));
    const price = e.meter === 'tokens' && org % 4 === 1 ? { ...meter.price, unitPrice: parseMicro('0.0008') } : meter.price;
    const cost = rate(price, parseMicro(e.quantity), e.resource_class ?? null, parseMicro(CREDIT_FACTOR));
    const answered = costs.get(e.id);
    if (answered === undefined || parseMicro(answered) !== cost.credits) mismatches++;
    lines.push(
      [
        e.org,
        e.id,
        e.meter,
        parseMicro(e.quantity).toString(),
        e.timestamp,
        recordedAt,
        e.user,
        e.project,
        e.resource_class,
        e.job_id,
        e.job_name,
        e.properties ? JSON.stringify(e.properties) : null,
        cost.credits.toString(),
        cost.usd?.toString() ?? null,
        '0',
      ]
        .map(copyField)
        .join('\t'),
    );
  }
  return { text: `${lines.join('\n')}\n`, mismatches };
}

export const SCRATCH_TABLE = 'bench_raw_events';
const CREATE_SCRATCH = `create table ${SCRATCH_TABLE} (like events including all)`;
const COPY_SQL = (source: string) => `copy ${SCRATCH_TABLE} (${COLUMNS.join(', ')}) from ${source}`;

/**
 * COPY FROM STDIN over pg's own connection, without pg-copy-streams: a
 * minimal "submittable" that answers the server's CopyInResponse with the
 * data, then CopyDone.
 */
class CopyIn {
  callback?: unknown;
  private done!: (rows: number) => void;
  private fail!: (error: Error) => void;
  private rows = 0;
  readonly result = new Promise<number>((resolve, reject) => {
    this.done = resolve;
    this.fail = reject;
  });

  constructor(
    private readonly text: string,
    private readonly chunks: Buffer[],
  ) {}

  submit(connection: { query(text: string): void }): null {
    connection.query(this.text);
    return null;
  }

  handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }): void {
    for (const chunk of this.chunks) connection.sendCopyFromChunk(chunk);
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text?: string }): void {
    this.rows = Number(/(\d+)$/.exec(msg.text ?? '')?.[1] ?? 0);
  }

  handleReadyForQuery(): void {
    this.done(this.rows);
  }

  handleError(error: Error): void {
    this.fail(error);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

function chunked(text: string, size = 64 * 1024): Buffer[] {
  const all = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i += size) out.push(all.subarray(i, i + size));
  return out;
}

export async function rawCopyPostgres(url: string, text: string, rows: number): Promise<{ seconds: number; method: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(CREATE_SCRATCH);
    const chunks = chunked(text);
    const t0 = performance.now();
    const copy = new CopyIn(COPY_SQL('stdin'), chunks);
    void client.query(copy as unknown as pg.QueryConfig);
    const copied = await copy.result;
    const seconds = (performance.now() - t0) / 1000;
    if (copied !== rows) throw new Error(`COPY stored ${copied} rows, expected ${rows}`);
    return { seconds, method: 'COPY … FROM STDIN over pg\'s connection (text format, 64 KiB CopyData messages, one statement; pg-copy-streams is not installed)' };
  } finally {
    await client.end();
  }
}

export async function rawCopyPglite(dataDir: string, text: string, rows: number): Promise<{ seconds: number; method: string }> {
  const db = new PGlite(join(dataDir, 'pg'));
  try {
    await db.exec(CREATE_SCRATCH);
    const blob = new Blob([text]);
    const t0 = performance.now();
    const res = await db.query(COPY_SQL(`'/dev/blob'`), [], { blob });
    const seconds = (performance.now() - t0) / 1000;
    const [{ n } = { n: 0 }] = (await db.query<{ n: number }>(`select count(*)::int as n from ${SCRATCH_TABLE}`)).rows;
    if (n !== rows) throw new Error(`COPY stored ${n} rows, expected ${rows} (${JSON.stringify(res.affectedRows)})`);
    return { seconds, method: "PGlite COPY … FROM '/dev/blob' (text format, one statement, same data folder, in the benchmark process)" };
  } finally {
    await db.close();
  }
}
