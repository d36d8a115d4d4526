import { spawn } from 'node:child_process';
import pino from 'pino';
import { createContext } from '../app.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { openDatabase } from '../db/client.js';
import { seedDemoIfEmpty } from './seed.js';

/** The argument that makes the server's own entry (src/main.ts, dist/main.js) seed the demo and exit. */
export const SEED_DEMO_ARG = '--seed-demo';

export class DemoSeedError extends Error {}

/**
 * Seeds the demo into a new embedded database from a short-lived child process: the server's entry
 * run again with SEED_DEMO_ARG, which creates the data folder, migrates, seeds and closes it before
 * the server opens it (PGlite's folder is never open in two processes at once). The seed grows
 * PGlite's WebAssembly memory, which never shrinks, and leaves V8 and glibc holding heap and arenas
 * they do not give back; in the child all of it ends with the process (docs/performance.md,
 * "Embedded memory").
 */
export function seedDemoInChild(entry: string, dataDir: string): Promise<void> {
  // execArgv: the same Node options (the bundle's --expose-gc, or tsx's loader under `npm run dev`).
  const child = spawn(process.execPath, [...process.execArgv, entry, SEED_DEMO_ARG], { stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  // Stopped while seeding (Ctrl-C reaches both; a SIGTERM only this process): stop the child too, so it does
  // not go on writing a folder nobody waits for.
  const stop = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const done = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  return new Promise<void>((resolve, reject) => {
    child.once('error', (error) => {
      done();
      reject(error);
    });
    child.once('exit', (code, signal) => {
      done();
      if (code === 0) {
        process.stderr.write(stderr); // its warnings, if any
        resolve();
        return;
      }
      const how = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
      reject(new DemoSeedError(`Could not prepare the demo organization in ${dataDir}: the seeding process ${how}.${stderr.trim() ? `\n${stderr.trim()}` : ''}`));
    });
  });
}

/** The child's side of seedDemoInChild: seeds the demo if the database holds no organization, then closes it. */
export async function seedDemoHere(config: Config): Promise<void> {
  const log = pino({ level: config.logLevel });
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const ctx = await createContext({ db, clock: systemClock, log, smtpUrl: config.smtpUrl, mailFrom: config.mailFrom });
    const seeded = await seedDemoIfEmpty(ctx, () =>
      process.stdout.write('Preparing the demo organization with 90 days of history (first start only)…\n'),
    );
    if (seeded) log.info({ org: seeded.orgId }, 'seeded the demo organization');
    ctx.mail.transport?.close();
  } finally {
    await db.close();
  }
}
