import { describeFailure, parseArgs, UsageError, type Command } from './common.js';
import { exportCommand } from './export.js';
import { grantsCommand } from './grants.js';
import { ingestCommand } from './ingest.js';
import { keysCommand } from './keys.js';
import { membersCommand } from './members.js';
import { migrateCommand } from './migrate.js';
import { orgsCommand } from './orgs.js';
import { seedCommand } from './seed.js';
import { verifyStatementCommand } from './verify-statement.js';
import { verifyCommand } from './verify.js';

export const COMMANDS: Command[] = [
  orgsCommand,
  grantsCommand,
  membersCommand,
  keysCommand,
  exportCommand,
  ingestCommand,
  seedCommand,
  verifyCommand,
  verifyStatementCommand,
  migrateCommand,
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: tally <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`tally <command> --help\` for a command's options.

Connection (a running server by default):
  TALLY_URL              the server, default http://127.0.0.1:4000
  TALLY_PLATFORM_KEY     its platform key (else read from <TALLY_DATA_DIR>/platform-key, where \`npm start\` stores it)
  --data-dir DIR         open the embedded (PGlite) database in DIR directly, when no server runs
  --database-url URL     open a PostgreSQL database directly
`;
}

/** Runs one command line; the exit code is returned, output goes to stdout and stderr. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`tally: there is no command "${name}".\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(parseArgs(rest));
  } catch (error) {
    process.stderr.write(`tally ${name}: ${describeFailure(error)}\n`);
    if (error instanceof UsageError && /required|say what|needs a value|is one of/.test(error.message)) {
      process.stderr.write(`Run \`tally ${name} --help\` for its options.\n`);
    }
    return error instanceof UsageError ? 2 : 1;
  }
}
