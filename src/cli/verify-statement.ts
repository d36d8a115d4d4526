import { readFileSync } from 'node:fs';
import { checkStatementProof, type StatementProof } from '../domain/statementProof.js';

/**
 * `tally verify-statement FILE [--key PEM_FILE|URL]`: checks a statement proof
 * (GET /v1/orgs/{org}/statements/{period}/proof saved to FILE) offline: the
 * signature, the chain links and hashes, and the statement identity recomputed
 * from the entries. `--key` pins the public key: a PEM file, or a server's URL
 * whose GET /v1/statement-key answers it. Exits 0 when it holds, 1 when not.
 */
export async function runVerifyStatement(args: string[]): Promise<number> {
  let file: string | undefined;
  let key: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--key') key = args[++i];
    else if (a.startsWith('--key=')) key = a.slice('--key='.length);
    else if (file === undefined) file = a;
    else {
      process.stderr.write(`tally verify-statement: unexpected argument "${a}"\n`);
      return 2;
    }
  }
  if (!file) {
    process.stderr.write('Usage: tally verify-statement FILE [--key PEM_FILE|URL]\n');
    return 2;
  }
  let proof: StatementProof;
  try {
    proof = JSON.parse(readFileSync(file, 'utf8')) as StatementProof;
  } catch (error) {
    process.stderr.write(`tally verify-statement: ${file} is not readable JSON (${(error as Error).message})\n`);
    return 2;
  }
  const pinned = key === undefined ? undefined : await loadKey(key);
  const result = checkStatementProof(proof, pinned);
  for (const line of result.checked) process.stdout.write(`ok      ${line}\n`);
  for (const line of result.failures) process.stdout.write(`FAILED  ${line}\n`);
  const what = proof?.statement ? `statement ${proof.statement.period} of organization ${proof.statement.org}` : file;
  process.stdout.write(result.ok ? `${what} verified${pinned ? ' against the pinned key' : ' (key taken from the file: pin it with --key)'}\n` : `${what} does NOT verify\n`);
  return result.ok ? 0 : 1;
}

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
