import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SingleBar, Presets } from 'cli-progress';
import { TallyApiError, TallyClient, type IngestRequest } from '../client/index.js';
import { loadConfig, type Config } from '../config.js';

const BATCH = 1000;

function platformKey(config: Config): string | undefined {
  if (config.platformKey) return config.platformKey;
  const file = join(config.dataDir, 'platform-key');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** Sends a JSON-lines file of events in batches of 1,000, with a progress bar and a summary. */
export async function runIngest(args: string[]): Promise<number> {
  const file = args[0];
  if (!file) throw new Error('give the JSON-lines file to ingest: tally ingest events.jsonl');
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  const config = loadConfig();
  const client = new TallyClient({ baseUrl: config.serverUrl, key: platformKey(config) });
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
