/** Helpers the benchmarks share: settings from the environment, how the server starts, its memory and its stop. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  return n;
}

export function memoryOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * The processes below `pid` whose command line contains `marker` (Linux /proc; a child a thread other than
 * the main one spawned is not listed, and Node spawns from its main thread).
 */
export function descendantsOf(pid: number, marker: string): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
  const named = (child: number) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  };
  return children.flatMap((child) => [...(named(child) ? [child] : []), ...descendantsOf(child, marker)]);
}

/** User + system CPU seconds a process has used so far (Linux /proc), or undefined. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return undefined;
  }
}

/** One statement on a connection of its own (create, drop or ANALYZE a scratch database). */
export async function runOn(url: string, statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

/** Process ids of the PostgreSQL backends connected to database `name`, asked through `adminUrl`. */
export async function backendPidsOf(adminUrl: string, name: string): Promise<number[]> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const found = await c.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    return found.rows.map((r) => r.pid);
  } finally {
    await c.end();
  }
}

/**
 * CPU seconds that a set of processes spent while `run` ran: `pids()` is asked before and after (a
 * process that appears during the run, such as a new database backend, counts from zero).
 */
export async function cpuDuring<T>(pids: () => Promise<number[]>, run: () => Promise<T>): Promise<{ result: T; cpu: Map<number, number> }> {
  const before = new Map<number, number>();
  for (const pid of await pids()) before.set(pid, cpuSeconds(pid) ?? 0);
  const result = await run();
  const cpu = new Map<number, number>();
  for (const pid of new Set([...before.keys(), ...(await pids())])) cpu.set(pid, Math.max(0, (cpuSeconds(pid) ?? before.get(pid) ?? 0) - (before.get(pid) ?? 0)));
  return { result, cpu };
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/**
 * How a benchmark starts the server: `bundle` (the default) runs dist/main.js as `npm start` does, rebuilt
 * first so it is the checked-out code; `tsx` (BENCH_SERVER=tsx) runs src/main.ts through tsx's loader, the
 * way `npm start` ran before it (its memory differs: docs/performance.md, "Embedded memory").
 */
export type ServerMode = 'bundle' | 'tsx';

export function serverMode(): ServerMode {
  const raw = process.env.BENCH_SERVER ?? 'bundle';
  if (raw !== 'bundle' && raw !== 'tsx') throw new Error(`BENCH_SERVER must be "bundle" or "tsx", got "${raw}".`);
  return raw;
}

let built = false;

/** The Node options of package.json's start script (`node <options> dist/main.js`): the bundle runs as `npm start` runs it. */
function startOptions(): string[] {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
  if (start[0] !== 'node' || start.at(-1) !== 'dist/main.js') throw new Error(`package.json's start script is not "node … dist/main.js": ${start.join(' ')}`);
  return start.slice(1, -1);
}

/** Node's arguments that run the server (after any of the caller's own, such as --cpu-prof). */
export function serverArgs(mode: ServerMode = serverMode()): string[] {
  if (mode === 'tsx') return ['--import', 'tsx', join(ROOT, 'src/main.ts')];
  if (!built) {
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts/build-server.mjs')], { cwd: ROOT, stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`building the server bundle failed (exit code ${run.status})`);
    built = true;
  }
  return [...startOptions(), join(ROOT, 'dist/main.js')];
}

export interface Server {
  child: ChildProcess;
  base: URL;
}

/**
 * Starts Tally as a child process with `env` over the benchmark's own environment (DATABASE_URL only when
 * `env` names one) and resolves once it prints its address. BENCH_CPU_PROF (a folder) writes a V8 CPU
 * profile of the server there.
 */
export function startServer(env: Record<string, string>, opts: { mode?: ServerMode; timeoutS?: number } = {}): Promise<Server> {
  const cpuProf = process.env.BENCH_CPU_PROF;
  const args = [...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : []), ...serverArgs(opts.mode)];
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const timeoutS = opts.timeoutS ?? 180;
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within ${timeoutS} s:\n${out}${err}`));
    }, timeoutS * 1000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.on('data', () => {}); // keep draining (warnings)
        child.stderr!.removeAllListeners('data');
        child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[server] ${c.toString()}`));
        resolve({ child, base: new URL(m[1]!) });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code}:\n${out}${err}`));
    });
  });
}
