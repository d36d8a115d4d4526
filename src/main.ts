import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { createApp } from './app.js';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { DataDirLockedError, openDatabase, pgliteExists } from './db/client.js';
import { DemoSeedError, SEED_DEMO_ARG, seedDemoHere, seedDemoInChild } from './demo/first-start.js';
import { newPlatformKey } from './http/auth.js';
import { findOrg } from './modules/orgs/index.js';
import { ensureDashboardBuilt } from './http/dashboard-build.js';

/** The platform key: from the environment, else generated once and kept in the data folder. */
function platformKey(config: Config): { key: string; generated: boolean } {
  if (config.platformKey) return { key: config.platformKey, generated: false };
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, 'platform-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), generated: false };
  const key = newPlatformKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, generated: true };
}

/**
 * A start leaves V8 holding the heap it grew (the migrations' garbage, the demo seed's when it runs in this
 * process, a young generation sized for the start's allocation rate), and a server waiting for traffic runs
 * no collection that would give it back.
 * One full collection once the server has settled does: with little allocation going on, V8 also shrinks
 * the young generation (~20–30 MiB of an embedded server's idle memory; docs/performance.md, "Embedded
 * memory"). `npm start` runs node with --expose-gc for it; without the flag (npm run dev) nothing runs.
 */
function collectOnceSettled(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) setTimeout(gc, 5_000).unref();
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = pino({ level: config.logLevel });
  // The first start of an embedded database seeds the demo in a child process (src/demo/first-start.ts);
  // later starts, and PostgreSQL, seed here if the database is still empty (seedDemoIfEmpty below).
  if (config.demo && !config.databaseUrl && !pgliteExists(config.dataDir)) await seedDemoInChild(fileURLToPath(import.meta.url), config.dataDir);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, prepare: config.pgPrepare });
  const { key } = platformKey(config);
  const dashboardDir = await ensureDashboardBuilt(fileURLToPath(new URL('..', import.meta.url)), (message) => log.info(message));
  const app = await createApp({ db, clock: systemClock, platformKey: key, log, scheduler: config.scheduler, dashboardDir, publicUrl: config.publicUrl, smtpUrl: config.smtpUrl, mailFrom: config.mailFrom });
  let demoLines = '';
  if (config.demo) {
    const { DEMO_ORG, DEMO_SIGN_INS, seedDemoIfEmpty } = await import('./demo/seed.js');
    const seeded = await seedDemoIfEmpty(app.ctx, () =>
      process.stdout.write('Preparing the demo organization with 90 days of history (first start only)…\n'),
    );
    if (seeded) log.info({ org: seeded.orgId }, 'seeded the demo organization');
    const demo = await app.ctx.db.read((q) => findOrg(q, DEMO_ORG));
    if (demo) {
      demoLines = `Demo sign-ins (${demo.name}):\n${DEMO_SIGN_INS.map((s) => `  ${s.role.padEnd(13)} ${s.email} / ${s.password}`).join('\n')}\n\n`;
    }
  }
  const address = await app.server.listen({ port: config.port, host: config.host });
  collectOnceSettled();
  if (!config.publicUrl && !['127.0.0.1', 'localhost', '::1'].includes(config.host)) {
    log.warn(`TALLY_PUBLIC_URL is not set: embed links point at ${address}. Set it to the address people open Tally at.`);
  }
  const where = config.databaseUrl ? 'PostgreSQL' : `embedded database in ${config.dataDir}`;
  process.stdout.write(`\nTally is running at ${address} (${where})\nPlatform key: ${key}\n\n${demoLines}`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

// Run with SEED_DEMO_ARG, this entry is the first start's seeding child (seedDemoInChild above).
const seedingChild = process.argv.includes(SEED_DEMO_ARG);
(seedingChild ? seedDemoHere(loadConfig()).then(() => process.exit(0)) : main()).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError || error instanceof DemoSeedError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    const what = seedingChild ? 'Seeding the demo organization failed' : 'Tally could not start';
    process.stderr.write(`${what}: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
