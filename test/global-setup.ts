import { fileURLToPath } from 'node:url';
import { ensureDashboardBuilt } from '../src/http/dashboard-build.js';

/**
 * Builds the dashboard once, before any test file runs. Suites in parallel
 * workers each ask for it (the browser tests, the serving tests); on a fresh
 * clone two builds at once into the same web/dist would delete each other's files.
 */
export default async function setup(): Promise<void> {
  await ensureDashboardBuilt(fileURLToPath(new URL('..', import.meta.url)), () => {});
}
