import { runCli } from './index.js';

// The `tally` executable (bin/tally.js, `npm run tally`): index.ts stays importable by tests.
runCli(process.argv.slice(2)).then((code) => process.exit(code));
