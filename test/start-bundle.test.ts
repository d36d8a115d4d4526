import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm start` runs the bundle its prestart builds (docs/decisions.md, "Stack"): the bundle must find
 * what the server reads from disk beside its sources (the SQL migrations) and run with the start
 * script's Node options. Its first start on a new embedded database seeds the demo in a child process
 * (src/demo/first-start.ts), the same bundle run again with an argument.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'tp_test_start_bundle_0123456789abcdef';
const folders: string[] = [];
const newDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tally-start-'));
  folders.push(dir);
  return dir;
};
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

interface Started {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
  /** the address it printed, or a rejection with its output when it exits first */
  base: Promise<string>;
}

function start(dataDir: string, demo: boolean): Started {
  const [node, ...args] = scripts.start!.split(/\s+/);
  expect(node).toBe('node');
  const env: NodeJS.ProcessEnv = { ...process.env, TALLY_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', TALLY_DEMO: demo ? '1' : '0', TALLY_SCHEDULER: '0', TALLY_LOG_LEVEL: 'warn', TALLY_PLATFORM_KEY: KEY };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`the server exited with code ${code}: ${out}${err}`)));
  });
  base.catch(() => {}); // a test that expects the exit reads `exited` instead
  return { child, out: () => out, err: () => err, exited, base };
}

const get = (base: string, path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${KEY}` } });

describe('npm start (the bundle)', () => {
  beforeAll(() => {
    expect(scripts.prestart).toBe('node scripts/build-server.mjs');
    const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
  });

  it('starts on a new embedded database, answers and stops on SIGTERM', async () => {
    const server = start(newDataDir(), false);
    try {
      const base = await server.base;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      // A table the migrations create: the bundle found them.
      const meters = await get(base, '/v1/meters');
      expect(meters.status, await meters.clone().text()).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });

  it('seeds the demo on the first start (in its child process) and prints its sign-ins', async () => {
    const server = start(newDataDir(), true);
    try {
      const base = await server.base;
      expect(server.out()).toContain('Preparing the demo organization with 90 days of history (first start only)');
      expect(server.out()).toMatch(/Demo sign-ins \(Northwind Labs\):\n {2}owner/);
      const demo = await get(base, '/v1/orgs/org_demo/members?limit=100');
      expect(demo.status, await demo.clone().text()).toBe(200);
      expect(((await demo.json()) as { data: unknown[] }).data).toHaveLength(18);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });

  it('stops with the seeding child’s error when the first start cannot seed the demo', async () => {
    // A lock held by a live process (this test's) on a folder with no database yet: the child cannot open it.
    const dataDir = newDataDir();
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'tally.lock'), String(process.pid));
    const server = start(dataDir, true);
    expect(await server.exited).toBe(1);
    expect(server.err()).toContain(`Could not prepare the demo organization in ${dataDir}: the seeding process exited with code 1.`);
    expect(server.err()).toContain(`is in use by process ${process.pid}`);
    expect(server.out()).not.toContain('running at');
  });
});
