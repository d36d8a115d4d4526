import { runIngest } from './ingest.js';
import { runMigrate } from './migrate.js';
import { runVerifyStatement } from './verify-statement.js';
import { runVerify } from './verify.js';

const USAGE = `Usage: tally <command>

Commands:
  migrate              apply the database migrations (DATABASE_URL or TALLY_DATA_DIR)
  verify               prove the ledger invariants for every organization; exits 1 on a breach
  verify-statement FILE [--key PEM_FILE|URL]
                       check a statement proof offline (signature, hash chain, statement identity); exits 1 if it fails
  ingest FILE.jsonl    send usage events (one JSON object per line) to a running server
                       (TALLY_URL, default http://127.0.0.1:4000; TALLY_PLATFORM_KEY or the data folder's key)
`;

const commands: Record<string, (args: string[]) => Promise<number>> = {
  migrate: runMigrate,
  verify: runVerify,
  'verify-statement': runVerifyStatement,
  ingest: runIngest,
};

const [name, ...args] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  process.stdout.write(USAGE);
  process.exit(name && name !== 'help' && name !== '--help' ? 2 : 0);
}
command(args).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tally ${name}: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
