import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { chromium, type Browser, type BrowserContext, type Frame, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { ensureDashboardBuilt } from '../../src/http/dashboard-build.js';
import type { TestDatabase } from '../helpers/db.js';
import { PLATFORM_KEY, TEST_METERS } from '../helpers/app.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'artifacts', 'screenshots');
export const PASSWORD = 'e2e password 123';

/** The real server on 127.0.0.1 with an ephemeral port, serving the built dashboard. */
export async function startServer(target: TestDatabase) {
  const dashboardDir = await ensureDashboardBuilt(ROOT, () => {});
  const db = await target.open();
  // A manual clock that starts at the real time, so the browser and the server agree on "today";
  // tests move it forward to expire embed links.
  const clock = new ManualClock(new Date());
  const app = await createApp({ db, clock, platformKey: PLATFORM_KEY, log: pino({ level: 'error' }), dashboardDir });
  const baseUrl = await app.server.listen({ host: '127.0.0.1', port: 0 });
  async function call<T = any>(method: string, path: string, body?: unknown, key = PLATFORM_KEY): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return {
    baseUrl,
    clock,
    ctx: app.ctx,
    call,
    /** runs every scheduler job due at the clock's time (periods closing, expiries…) */
    runJobs: () => app.scheduler.runOnce(),
    async hasRoute(path: string): Promise<boolean> {
      const doc = await call<{ paths: Record<string, unknown> }>('GET', '/v1/openapi.json');
      return path in doc.paths;
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}

export type Server = Awaited<ReturnType<typeof startServer>>;

export const ROLES = ['owner', 'billing_admin', 'manager', 'member'] as const;
export type E2eRole = (typeof ROLES)[number];

const DAY = 24 * 60 * 60 * 1000;

/** An organization with members of every role, grants in every state and two weeks of usage, all through the API. */
export async function seed(server: Server) {
  const now = server.clock.now().getTime();
  const iso = (offsetMs: number) => new Date(now + offsetMs).toISOString();
  const org = await server.call<{ id: string }>('POST', '/v1/orgs', { name: 'Northwind Labs', timezone: 'America/New_York', credit_factor: '10' });
  for (const [key, meter] of Object.entries(TEST_METERS)) await server.call('PUT', `/v1/meters/${key}`, meter);
  const members: Record<E2eRole, { id: string; email: string; name: string }> = {
    owner: { id: 'm_owner', email: 'olivia@northwind.test', name: 'Olivia Owner' },
    billing_admin: { id: 'm_billing', email: 'bill@northwind.test', name: 'Bill Admin' },
    manager: { id: 'm_manager', email: 'maya@northwind.test', name: 'Maya Manager' },
    member: { id: 'm_member', email: 'max@northwind.test', name: 'Max Member' },
  };
  for (const role of ROLES) {
    const m = members[role];
    await server.call('POST', `/v1/orgs/${org.id}/members`, { id: m.id, email: m.email, name: m.name, role });
    await server.call('PUT', `/v1/orgs/${org.id}/members/${m.id}/password`, { password: PASSWORD });
  }
  const grants = {
    included: await server.call('POST', `/v1/orgs/${org.id}/grants`, {
      name: 'Monthly plan credits',
      source: 'included',
      amount: '5000',
      starts_at: iso(-20 * DAY),
      expires_at: iso(10 * DAY),
    }),
    purchased: await server.call('POST', `/v1/orgs/${org.id}/grants`, { name: 'Credit pack', source: 'purchased', amount: '1234.5', starts_at: iso(-15 * DAY) }),
    scheduled: await server.call('POST', `/v1/orgs/${org.id}/grants`, {
      name: 'Annual contract',
      source: 'purchased',
      disbursements: [
        { amount: '3000', starts_at: iso(-10 * DAY), expires_at: iso(80 * DAY) },
        { amount: '3000', starts_at: iso(20 * DAY), expires_at: iso(110 * DAY) },
        { amount: '3000', starts_at: iso(50 * DAY), expires_at: iso(140 * DAY) },
      ],
    }),
    pending: await server.call('POST', `/v1/orgs/${org.id}/grants`, { name: 'Launch promotion', source: 'promotional', amount: '750', starts_at: iso(5 * DAY) }),
    expired: await server.call('POST', `/v1/orgs/${org.id}/grants`, {
      name: 'Trial credits',
      source: 'promotional',
      amount: '100',
      starts_at: iso(-30 * DAY),
      expires_at: iso(-2 * DAY),
    }),
  };
  const events = [];
  const meters = Object.keys(TEST_METERS);
  for (let i = 0; i < 36; i++) {
    const meter = meters[i % meters.length]!;
    events.push({
      id: `e2e-${i}`,
      org: org.id,
      meter,
      quantity: meter === 'runs' ? '1' : `${(i % 7) + 1}.${String(123457 + i * 11).slice(0, 6)}`,
      timestamp: iso(-(i % 13) * DAY - (i + 1) * 60_000),
      user: i % 2 ? members.member.id : members.manager.id,
      project: i % 3 ? 'vision' : 'search',
      job_id: `job-${i % 9}`,
      job_name: `Job ${i % 9}`,
      ...(meter === 'gpu' && i % 2 ? { resource_class: 'a100' } : {}),
    });
  }
  const ingest = await server.call<{ accepted: number }>('POST', '/v1/events', { events });
  if (ingest.accepted !== events.length) throw new Error(`seed: only ${ingest.accepted} of ${events.length} events accepted`);
  return { orgId: org.id, members, grants };
}

export type Seeded = Awaited<ReturnType<typeof seed>>;

/** What a dashboard suite shares: the real server, the seeded organization and Chromium. */
export interface E2e {
  server: Server;
  data: Seeded;
  browser: Browser;
}

/**
 * The setup every e2e suite shares, registered as its first beforeAll and
 * last afterAll: the server on `target`, the seeded organization (unless
 * `seed: false`: a suite that seeds its own) and Chromium (unless `browser:
 * false`: a suite with a browser profile of its own). The fields are set once
 * the suite's beforeAll hooks run; a suite's own beforeAll runs after this one.
 */
export function useE2e(target: TestDatabase, options: { seed: false }): Omit<E2e, 'data'>;
export function useE2e(target: TestDatabase, options: { browser: false }): Omit<E2e, 'browser'>;
export function useE2e(target: TestDatabase): E2e;
export function useE2e(target: TestDatabase, options: { seed?: boolean; browser?: boolean } = {}): Partial<E2e> {
  const e2e: Partial<E2e> = {};
  beforeAll(async () => {
    e2e.server = await startServer(target);
    if (options.seed !== false) e2e.data = await seed(e2e.server);
    if (options.browser !== false) e2e.browser = await launch();
  }, 300_000);
  afterAll(async () => {
    await e2e.browser?.close();
    await e2e.server?.close();
  });
  return e2e;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A Chromium profile with "Block third-party cookies" on (the setting people
 * turn on, and the default in incognito): a cross-site iframe gets no cookies
 * and its sessionStorage/localStorage reads throw SecurityError.
 */
export async function launchThirdPartyBlocked(viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; userDataDir: string }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'tally-chromium-'));
  mkdirSync(join(userDataDir, 'Default'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'Default', 'Preferences'),
    JSON.stringify({ profile: { block_third_party_cookies: true, cookie_controls_mode: 1, default_content_setting_values: { cookies: 1 } } }),
  );
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport,
    locale: 'en-US',
    timezoneId: 'Europe/Berlin',
  });
  return { context, userDataDir };
}

/** A host application's page on its own little server (127.0.0.1, port 0): GET / answers `html`. */
export async function startHostPage(html: () => string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.url === '/' || request.url?.startsWith('/?')) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(html());
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function newContext(browser: Browser, locale = 'en-US'): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, locale, timezoneId: 'Europe/Berlin', acceptDownloads: true });
}

export async function signIn(page: Page, baseUrl: string, email: string, password = PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('profile-menu').waitFor();
}

/** Waits until no loader is left on the page (a ceiling, not a timing assertion: CI's 2 cores may be busy). */
export async function settled(page: Page): Promise<void> {
  try {
    await page.waitForFunction('document.querySelectorAll(\'[data-state="loading"]\').length === 0', undefined, { timeout: 60_000 });
  } catch (error) {
    // name what is still loading: the nearest section heading of each loader, and the requests still open
    const stuck = (await page.evaluate(`[...document.querySelectorAll('[data-state="loading"]')].map((el) => {
      let node = el;
      while (node && !node.querySelector('h2, h3, h4, [data-testid]')) node = node.parentElement;
      const label = node?.querySelector('h2, h3, h4')?.textContent ?? node?.querySelector('[data-testid]')?.getAttribute('data-testid');
      return label ?? el.outerHTML.slice(0, 120);
    })`)) as string[];
    throw new Error(`${page.url()} still loading after 60 s: ${stuck.join('; ')}`, { cause: error });
  }
}

/**
 * Clicks a link inside an embedded frame and waits for the frame to reach `url`, clicking again (three tries, 10 s
 * each) when it did not: Playwright aims at the link, then clicks at that point of the page, and a frame the host
 * page moved in between loses the click without an error (seen in one CI run and in one of about 30 local runs of this file).
 */
export async function clickToNavigate(link: Locator, frame: Frame, url: RegExp): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await link.click();
    try {
      await frame.waitForURL(url, { timeout: 10_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

/** Scrolls down until every section deferred until visible has rendered, then waits for their data. */
export async function revealAll(page: Page): Promise<void> {
  for (let i = 0; i < 20 && (await page.locator('[data-state="deferred"]').count()) > 0; i++) {
    // Scrolled from inside the page: the placeholder is replaced the moment it shows.
    await page.evaluate(`document.querySelector('[data-state="deferred"]')?.scrollIntoView()`);
    await page.waitForTimeout(50);
    await settled(page);
  }
  await settled(page);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Gzipped bytes of what the first page loads: index.html, its entry script, its CSS and preloaded chunks. */
export function firstPageBundleBytes(): { files: string[]; gzipBytes: number } {
  const dist = join(ROOT, 'web', 'dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = ['index.html', ...[...html.matchAll(/(?:src|href)="\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]!)];
  const gzipBytes = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(dist, f))).length, 0);
  return { files, gzipBytes };
}
