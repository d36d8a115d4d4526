import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';

/** Where the dashboard's sources and build live, from the repository root. */
export const WEB_DIR = 'web';
export const DASHBOARD_DIST = join(WEB_DIR, 'dist');

// Files the dashboard bundle is made from: its own sources, the shared client and types, and the domain it
// imports (money, display rules, labels, the policy table…).
const SOURCES = [join(WEB_DIR, 'src'), join(WEB_DIR, 'public'), join(WEB_DIR, 'index.html'), join(WEB_DIR, 'vite.config.ts'), join('src', 'client'), join('src', 'domain')];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), stat.mtimeMs);
}

export function dashboardIsStale(root: string): boolean {
  const built = join(root, DASHBOARD_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.some((source) => newestMtime(join(root, source)) > builtAt);
}

/**
 * Builds web/dist with Vite when it is missing or older than its sources,
 * so `npm start` always serves the dashboard of the checked-out code.
 * Returns the folder to serve, or undefined when there is no web/ folder.
 */
export async function ensureDashboardBuilt(root: string, log: (message: string) => void): Promise<string | undefined> {
  if (!existsSync(join(root, WEB_DIR, 'index.html'))) return undefined;
  if (dashboardIsStale(root)) {
    log('building the dashboard (web/dist)…');
    // A child process with NODE_ENV=production: React's production build and JSX runtime,
    // whatever the parent runs as (the test runner sets NODE_ENV=test), and Vite stays out of the server's memory.
    const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
    await promisify(execFile)(process.execPath, [vite, 'build', '--config', join(root, WEB_DIR, 'vite.config.ts'), '--logLevel', 'warn'], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production' }, // eslint-disable-line no-restricted-syntax -- passes the environment on to the build, reads nothing
    });
  }
  return join(root, DASHBOARD_DIST);
}
