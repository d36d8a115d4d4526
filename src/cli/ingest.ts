import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SingleBar, Presets } from 'cli-progress';
import { TallyApiError, type IngestRequest, type TallyClient } from '../client/index.js';
import { CONNECTION_HELP, UsageError, withConnection, type Args, type Command } from './common.js';

const BATCH = 1000;

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'send usage events from a JSON-lines file',
  help: `Usage:
  tally ingest FILE.jsonl [--data-dir DIR | --database-url URL]

Sends one native event per line ({"id","org","meter","quantity","timestamp",…}) in batches of 1,000,
with a progress bar, then prints how many were accepted, duplicates and rejected (with the first
reasons). Exits 1 when any line was rejected.

${CONNECTION_HELP}`,
  async run(args: Args) {
    const file = args.positional[0];
    if (!file) throw new UsageError('give the JSON-lines file to ingest: tally ingest events.jsonl');
    if (!existsSync(file)) throw new UsageError(`${file} does not exist`);
    return withConnection(args, ({ client }) => ingestFile(client, file));
  },
};

/** Sends a JSON-lines file of events in batches of 1,000, with a progress bar and a summary. */
async function ingestFile(client: TallyClient, file: string): Promise<number> {
  const totalLines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).length;
  const bar = new SingleBar({ format: 'ingest [{bar}] {value}/{total} events | {eta}s left' }, Presets.shades_classic);
  bar.start(totalLines, 0);
  const totals = { accepted: 0, duplicates: 0, rejected: 0, invalidLines: 0 };
  const rejections: string[] = [];
  let batch: IngestRequest['events'] = [];
  const send = async () => {
    if (batch.length === 0) return;
    try {
      const result = await client.ingestEvents(batch);
      totals.accepted += result.accepted;
      totals.duplicates += result.duplicates;
      totals.rejected += result.rejected;
      for (const r of result.results) if (r.error) rejections.push(`${r.id}: ${r.error.message}`);
    } catch (error) {
      if (!(error instanceof TallyApiError) || error.status >= 500 || error.status === 401) throw error;
      totals.rejected += batch.length;
      rejections.push(`batch of ${batch.length} refused: ${error.message}`);
    }
    bar.increment(batch.length);
    batch = [];
  };
  let lineNo = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    lineNo++;
    if (!line.trim()) continue;
    try {
      batch.push(JSON.parse(line) as IngestRequest['events'][number]);
    } catch {
      totals.invalidLines++;
      rejections.push(`line ${lineNo}: not valid JSON`);
      bar.increment(1);
      continue;
    }
    if (batch.length === BATCH) await send();
  }
  await send();
  bar.stop();
  for (const r of rejections.slice(0, 20)) process.stdout.write(`  rejected ${r}\n`);
  if (rejections.length > 20) process.stdout.write(`  … and ${rejections.length - 20} more\n`);
  process.stdout.write(
    `accepted ${totals.accepted}, duplicates ${totals.duplicates}, rejected ${totals.rejected + totals.invalidLines}\n`,
  );
  return totals.rejected + totals.invalidLines === 0 ? 0 : 1;
}
