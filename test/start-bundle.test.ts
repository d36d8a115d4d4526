import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` runs the bundle its prestart builds (docs/decisions.md, "Stack"): the bundle must find
 * what the server reads from disk beside its sources (the SQL migrations) and run with the start
 * script's Node options.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'tp_test_start_bundle_0123456789abcdef';
const dataDir = mkdtempSync(join(tmpdir(), 'tally-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start (the bundle)', () => {
  it('builds, starts on a new embedded database, answers and stops on SIGTERM', async () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.prestart).toBe('node scripts/build-server.mjs');
    const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);

    const [node, ...args] = scripts.start!.split(/\s+/);
    expect(node).toBe('node');
    const env: NodeJS.ProcessEnv = { ...process.env, TALLY_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', TALLY_DEMO: '0', TALLY_SCHEDULER: '0', TALLY_LOG_LEVEL: 'warn', TALLY_PLATFORM_KEY: KEY };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /running at (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        void exited.then((code) => reject(new Error(`the server exited with code ${code}: ${out}${err}`)));
      });
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      // A table the migrations create: the bundle found them.
      const meters = await fetch(`${base}/v1/meters`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(meters.status, await meters.clone().text()).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
