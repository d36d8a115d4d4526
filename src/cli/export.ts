import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebStream } from 'node:stream/web';
import { CONNECTION_HELP, flag, required, UsageError, withConnection, type Args, type Command } from './common.js';

const o = (org: string) => `/v1/orgs/${encodeURIComponent(org)}`;

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a statement, usage events or a grant ledger as CSV',
  help: `Usage:
  tally export statement --org ORG --period PERIOD [--lines daily|jobs] [--out FILE]
  tally export events --org ORG [--from ISO] [--to ISO] [--meter KEY] [--user ID] [--project NAME] [--out FILE]
  tally export grant-ledger --org ORG --grant GRANT [--out FILE]

  --org     the organization id
  --period  the statement period, as listed by the dashboard or GET /v1/orgs/ORG/statements
  --lines   daily (default) or one line per job
  --from, --to, --meter, --user, --project   filters of the events export
  --grant   the grant id
  --out     write to FILE instead of stdout

The CSV is streamed as the server writes it, so large exports use little memory.

${CONNECTION_HELP}`,
  async run(args: Args) {
    const [what] = args.positional;
    const org = required(args, 'org', 'the organization id');
    let path: string;
    if (what === 'statement') {
      const lines = flag(args, 'lines') ?? 'daily';
      if (lines !== 'daily' && lines !== 'jobs') throw new UsageError('--lines is daily or jobs');
      path = `${o(org)}/statements/${encodeURIComponent(required(args, 'period', 'the statement period'))}/export.csv${query({ lines })}`;
    } else if (what === 'events') {
      path = `${o(org)}/events/export.csv${query({ from: flag(args, 'from'), to: flag(args, 'to'), meter: flag(args, 'meter'), user: flag(args, 'user'), project: flag(args, 'project') })}`;
    } else if (what === 'grant-ledger') {
      path = `${o(org)}/grants/${encodeURIComponent(required(args, 'grant', 'the grant id'))}/ledger.csv`;
    } else {
      throw new UsageError('say what to export: tally export statement|events|grant-ledger');
    }
    const file = flag(args, 'out');
    return withConnection(args, async ({ client }) => {
      const response = await client.download(path);
      if (!response.body) throw new Error('the server sent no CSV');
      const body = Readable.fromWeb(response.body as WebStream<Uint8Array>);
      if (file) {
        await pipeline(body, createWriteStream(file));
        process.stderr.write(`wrote ${file}\n`);
      } else {
        for await (const chunk of body) process.stdout.write(chunk as Uint8Array);
      }
      return 0;
    });
  },
};

