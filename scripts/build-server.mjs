// Builds the server `npm start` runs (dist/main.js) from src/main.ts. Run by `prestart`, and by the
// benchmarks before they start a server.
//
// Why a bundle: a server started through tsx keeps the TypeScript loader in its memory for its whole
// life (a module-hooks thread with its own heap, and the source map of every file it compiled, which
// tsx turns on): ~50–100 MiB of the embedded server's idle memory (docs/performance.md, "Embedded memory"). Dependencies stay in node_modules (packages external);
// only Tally's own code is bundled.
import { build } from 'esbuild';
import { cpSync, rmSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;

rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: [`${root}src/main.ts`],
  outfile: `${dist}/main.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
// Files the server reads beside its own source at run time. src/db/migrate.ts finds its migrations at
// `./migrations` from its module; in the bundle that module is dist/main.js. (The dashboard is found at
// `..` from src/main.ts, which from dist/main.js is the same repository root.)
cpSync(`${root}src/db/migrations`, `${dist}/migrations`, { recursive: true });
