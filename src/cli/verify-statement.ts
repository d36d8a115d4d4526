import { readFileSync } from 'node:fs';
import { checkStatementProof, type StatementProof } from '../domain/statementProof.js';
import { flag, out, UsageError, type Args, type Command } from './common.js';

export const verifyStatementCommand: Command = {
  name: 'verify-statement',
  summary: 'check a statement proof offline (signature, hash chain, statement identity); exits 1 if it fails',
  help: `Usage:
  tally verify-statement FILE [--key PEM_FILE|URL]

Checks a statement proof (GET /v1/orgs/{org}/statements/{period}/proof saved to FILE) offline: the
signature, the chain links and hashes, and the statement identity recomputed from the entries
(docs/statement-proof.md). --key pins the public key: a PEM file, or a server's URL whose
GET /v1/statement-key answers it; without it the key in the file is used. Exits 0 when the proof
holds, 1 when it does not.`,
  async run(args: Args) {
    const [file, extra] = args.positional;
    if (!file) throw new UsageError('name the proof file: tally verify-statement FILE [--key PEM_FILE|URL]');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    let proof: StatementProof;
    try {
      proof = JSON.parse(readFileSync(file, 'utf8')) as StatementProof;
    } catch (error) {
      throw new UsageError(`${file} is not readable JSON (${(error as Error).message})`);
    }
    const key = flag(args, 'key');
    const pinned = key === undefined ? undefined : await loadKey(key);
    const result = checkStatementProof(proof, pinned);
    for (const line of result.checked) out(`ok      ${line}`);
    for (const line of result.failures) out(`FAILED  ${line}`);
    const what = proof?.statement ? `statement ${proof.statement.period} of organization ${proof.statement.org}` : file;
    out(result.ok ? `${what} verified${pinned ? ' against the pinned key' : ' (key taken from the file: pin it with --key)'}` : `${what} does NOT verify`);
    return result.ok ? 0 : 1;
  },
};

async function loadKey(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const url = new URL('/v1/statement-key', source);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url.href} answered ${res.status}`);
    const body = (await res.json()) as { public_key_pem?: string };
    if (!body.public_key_pem) throw new Error(`GET ${url.href} did not answer a public_key_pem`);
    return body.public_key_pem;
  }
  return readFileSync(source, 'utf8');
}
