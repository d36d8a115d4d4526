/**
 * `npm run measure:first-load`
 *
 * Measures what a browser downloads on a first visit (empty cache) to the
 * dashboard, compressed as it crosses the wire: a real server on 127.0.0.1
 * (embedded database in a temporary folder), Debian's Chromium, a signed-in
 * owner landing on Credit history and a member landing on My credits, and an
 * embed link. Counts every response's encoded body (what Content-Encoding
 * left of it), grouped into JavaScript, CSS, HTML and the rest (API JSON,
 * favicon). Prints a table; docs/performance.md records the figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { chromium, type BrowserContext } from 'playwright-core';
import { createApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { openDatabase } from '../src/db/client.js';
import { ensureDashboardBuilt } from '../src/http/dashboard-build.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PLATFORM_KEY = 'tp_bench-first-load-platform-key-0000';
const PASSWORD = 'first load password';

type Kind = 'js' | 'css' | 'html' | 'other';
const kindOf = (url: string, type: string): Kind =>
  /\.js(\?|$)/.test(url) || type.includes('javascript') ? 'js' : /\.css(\?|$)/.test(url) || type.includes('css') ? 'css' : type.includes('html') ? 'html' : 'other';

async function measure(context: BrowserContext, url: string, ready: string) {
  const page = await context.newPage();
  const totals: Record<Kind, number> = { js: 0, css: 0, html: 0, other: 0 };
  const encodings = new Set<string>();
  const pending: Promise<void>[] = [];
  page.on('requestfinished', (request) => {
    pending.push(
      (async () => {
        const response = await request.response();
        if (!response) return;
        const sizes = await request.sizes();
        const headers = await response.allHeaders();
        totals[kindOf(request.url(), headers['content-type'] ?? '')] += Math.max(0, sizes.responseBodySize);
        if (headers['content-encoding']) encodings.add(headers['content-encoding']);
      })(),
    );
  });
  await page.goto(url);
  await page.waitForSelector(ready);
  await page.waitForFunction('document.querySelectorAll(\'[data-state="loading"]\').length === 0');
  await page.waitForLoadState('networkidle');
  await Promise.all(pending);
  await page.close();
  return { ...totals, encodings: [...encodings].join(', ') };
}

async function main() {
  const dashboardDir = await ensureDashboardBuilt(ROOT, (m) => process.stdout.write(`${m}\n`));
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-first-load-'));
  const db = await openDatabase({ databaseUrl: undefined, dataDir });
  const app = await createApp({ db, clock: systemClock, platformKey: PLATFORM_KEY, log: pino({ level: 'error' }), dashboardDir });
  const base = await app.server.listen({ host: '127.0.0.1', port: 0 });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, string>;
  };
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic'] });
  try {
    const org = await call('POST', '/v1/orgs', { name: 'First Load Co', timezone: 'UTC', credit_factor: '1' });
    await call('POST', `/v1/orgs/${org.id}/grants`, { name: 'Plan credits', source: 'included', amount: '1000' });
    const rows: [string, Awaited<ReturnType<typeof measure>>][] = [];
    for (const [role, id, ready] of [
      ['owner', 'm_owner', '[data-testid="card-current-balance"]'],
      ['member', 'm_member', 'h2'],
    ] as const) {
      const email = `${role}@first-load.test`;
      await call('POST', `/v1/orgs/${org.id}/members`, { id, email, name: role, role });
      await call('PUT', `/v1/orgs/${org.id}/members/${id}/password`, { password: PASSWORD });
      const context = await browser.newContext();
      const login = await fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
      const cookie = /tally_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
      if (!cookie) throw new Error('sign-in gave no session cookie');
      await context.addCookies([{ name: 'tally_session', value: cookie, url: base }]);
      rows.push([`${role} → first page (signed in)`, await measure(context, `${base}/`, ready)]);
      await context.close();
    }
    const link = await call('POST', `/v1/orgs/${org.id}/embed-tokens`, { member: 'm_owner', ttl_seconds: 600 });
    for (const [name, url, ready] of [
      ['embed link (owner)', link.url!, '[data-testid="card-current-balance"]'],
      ['sign-in page', `${base}/login`, 'form'],
    ] as const) {
      const context = await browser.newContext(); // each with an empty cache
      rows.push([name, await measure(context, url, ready)]);
      await context.close();
    }

    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    process.stdout.write('\n| first load (empty cache) | JavaScript | CSS | HTML | other | encodings |\n|---|---|---|---|---|---|\n');
    for (const [name, r] of rows) process.stdout.write(`| ${name} | ${kb(r.js)} | ${kb(r.css)} | ${kb(r.html)} | ${kb(r.other)} | ${r.encodings} |\n`);
    const worst = Math.max(...rows.map(([, r]) => r.js));
    process.stdout.write(`\nLargest first-load JavaScript: ${kb(worst)} compressed (budget 200 KB): ${worst <= 200 * 1024 ? 'within' : 'OVER'}\n`);
    if (worst > 200 * 1024) process.exitCode = 1;
  } finally {
    await browser.close();
    await app.close();
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
