import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { FastifyReply } from 'fastify';

/**
 * Streams CSV (RFC 4180: CRLF, quoted where needed; UTF-8 with a BOM so
 * spreadsheets read accents right; a header row). `pages` yields rows a page
 * at a time and is pulled only as fast as the client reads, so memory stays
 * flat however long the export. The first page is read before the status is
 * sent, so a bad request still gets a JSON error.
 */
export async function sendCsv(
  reply: FastifyReply,
  filename: string,
  columns: string[],
  pages: AsyncGenerator<string[][]>,
): Promise<FastifyReply> {
  const first = await pages.next();
  async function* rowsOf(): AsyncGenerator<string[]> {
    if (first.done) return;
    yield* first.value;
    for await (const page of pages) yield* page;
  }
  // pipeline(), never .pipe(): a failure of the source (the database gone mid-export) destroys the CSV
  // stream with the error, which Fastify turns into an aborted response (a failed transfer the client
  // sees), instead of an unhandled 'error' event that ends the process.
  const csv = stringify({ header: true, columns, bom: true, record_delimiter: 'windows' });
  pipeline(Readable.from(rowsOf(), { objectMode: true }), csv, (error) => {
    if (error) reply.log.warn({ err: error }, 'CSV export failed mid-stream; the transfer was cut');
  });
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(csv);
}

/**
 * A free-text cell (job name, project, user…). Spreadsheets run a cell that
 * starts with = + - @ (or a tab / carriage return) as a formula, so such text
 * is prefixed with an apostrophe (OWASP "CSV injection"). Amounts and dates
 * never pass through here: they are ours and may be negative.
 */
export function textCell(value: string | null | undefined): string {
  if (!value) return '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
