import { rmSync } from 'node:fs';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Balance, PlanUsage } from '../../src/client/index.js';
import { formatAmount, formatCredits } from '../../web/src/format.js';
import { planLine } from '../../web/src/pages/plan-usage/planRows.js';
import { testDatabases } from '../helpers/db.js';
import { clickToNavigate, hasChromium, launchThirdPartyBlocked, screenshot, settled, signIn, startHostPage, useE2e } from './harness.js';

const en = (value: string) => formatCredits(value, 'en-US');

/** The host application's page: Tally's /embed.js, a dashboard frame and the three widgets; every message it receives is recorded. */
function hostHtml(tally: string, link: string, options: { widgets: boolean }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host app</title></head>
<body style="margin:0;font-family:sans-serif">
  <!-- The widgets' boxes have fixed heights, as docs/embedding.md advises: while they load and resize, the dashboard below
       stays where it is (a frame that moves between Playwright's aim and its click loses the click). -->
  <header style="display:flex;gap:12px;align-items:center;padding:8px;height:48px;overflow:hidden"><strong>Host app</strong><span id="badge"></span></header>
  <div style="display:flex;gap:12px;padding:8px;height:200px;overflow:hidden"><div id="bars"></div><div id="card"></div></div>
  <main id="dash"></main>
  <script>
    window.received = [];
    window.addEventListener('message', (e) => {
      const from = [...document.querySelectorAll('iframe')].find((f) => f.contentWindow === e.source);
      window.received.push({ origin: e.origin, data: e.data, container: from?.parentElement?.id });
    });
  </script>
  <script src="${tally}/embed.js"></script>
  <script>
    window.heights = [];
    window.dashboard = Tally.embed({ url: ${JSON.stringify(link)}, container: '#dash', height: 400, onHeight: (h) => window.heights.push(h) });
    window.dashboard.frame.addEventListener('load', () => { window.frameLoaded = true; });
    ${
      options.widgets
        ? `Tally.widget({ url: ${JSON.stringify(link)}, widget: 'credit-badge', container: '#badge' });
    Tally.widget({ url: ${JSON.stringify(link)}, widget: 'mini-bars', container: '#bars' });
    Tally.widget({ url: ${JSON.stringify(link)}, widget: 'balance-card', container: '#card' });`
        : ''
    }
  </script>
</body></html>`;
}

function dashboardFrame(page: Page, baseUrl: string): Frame {
  const frame = page.frames().find((f) => f.url().startsWith(`${baseUrl}/embed/`) && !f.url().includes('/widgets/'));
  if (!frame) throw new Error(`no dashboard frame among ${page.frames().map((f) => f.url()).join(', ')}`);
  return frame;
}

describe.skipIf(!hasChromium).each(testDatabases)('embedded cross-site with third-party cookies blocked, on $name', (target) => {
  const e2e = useE2e(target, { browser: false });
  let context: BrowserContext;
  let userDataDir: string;
  const hosts: { port: number; close: () => Promise<void> }[] = [];
  let link = '';
  const api = <T>(path: string) => e2e.server.call<T>('GET', `/v1/orgs/${e2e.data.orgId}${path}`);

  beforeAll(async () => {
    await e2e.server.call('PUT', `/v1/orgs/${e2e.data.orgId}/plan`, {
      name: 'Team',
      limits: { credits_per_period: '20000', storage_gb: '100', deployments: '10', seats: '10' },
    });
    ({ context, userDataDir } = await launchThirdPartyBlocked());
  });

  afterAll(async () => {
    await context?.close();
    for (const host of hosts) await host.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  async function host(widgets: boolean) {
    const started = await startHostPage(() => hostHtml(e2e.server.baseUrl, link, { widgets }));
    hosts.push(started);
    // localhost and 127.0.0.1 are different sites: the frame is third-party.
    return `http://localhost:${started.port}`;
  }

  it('an allowed host frames the dashboard: balance, navigation, height, theme and hidden navigation work without storage', async () => {
    const hostOrigin = await host(true);
    await e2e.server.call('PATCH', `/v1/orgs/${e2e.data.orgId}`, { embed_origins: [hostOrigin] });
    link = (await e2e.server.call<{ url: string }>('POST', `/v1/orgs/${e2e.data.orgId}/embed-tokens`, { member: e2e.data.members.manager.id, ttl_seconds: 600 })).url;
    expect(link.startsWith(`${e2e.server.baseUrl}/embed/`)).toBe(true);

    const page = await context.newPage();
    await page.goto(`${hostOrigin}/`);
    const frame = page.frameLocator('#dash iframe');
    await frame.getByTestId('profile-menu').waitFor();
    const inside = dashboardFrame(page, e2e.server.baseUrl);

    // The condition of the issue holds: this frame may not touch storage or get cookies.
    expect(await inside.evaluate('(() => { try { sessionStorage.length; return "readable"; } catch (e) { return e.name; } })()')).toBe('SecurityError');
    expect(await inside.evaluate('(() => { try { localStorage.length; return "readable"; } catch (e) { return e.name; } })()')).toBe('SecurityError');

    // The manager lands on Usage with the organization's balance.
    await inside.waitForURL(/\/usage$/);
    await settled(inside as unknown as Page);
    const balance = await api<Balance>('/balance');
    await expect.poll(() => frame.getByTestId('figure-available').textContent()).toBe(en(balance.available));
    expect(await context.cookies(e2e.server.baseUrl)).toEqual([]);

    // Navigation inside the frame.
    await clickToNavigate(frame.getByRole('link', { name: 'Statements' }), inside, /\/statements$/);
    await frame.getByRole('heading', { level: 2 }).first().waitFor();

    // The height message arrives and sizes the frame.
    await page.waitForFunction('window.heights.length > 0');
    const reported = await page.evaluate('window.heights[window.heights.length - 1]');
    expect(reported).toBeGreaterThan(100);
    // the frame follows the latest height reported (the page may still grow once its data arrives): compare both in one read
    await expect
      .poll(() => page.evaluate('document.querySelector("#dash iframe").style.height === `${window.heights[window.heights.length - 1]}px`'))
      .toBe(true);
    const messages = (await page.evaluate('window.received')) as { origin: string; data: { type: string } }[];
    expect(messages.every((m) => m.origin === e2e.server.baseUrl)).toBe(true);
    expect(messages.map((m) => m.data.type)).toContain('tally:ready');
    expect(messages.map((m) => m.data.type)).toContain('tally:height');

    // The profile menu opens Usage, beside its mini bars (reference 001).
    await frame.getByTestId('profile-menu').click();
    await expect.poll(() => frame.getByTestId('profile-mini-bars').locator('[data-testid^="mini-"]').count()).toBe(3);
    await clickToNavigate(frame.getByTestId('profile-usage'), inside, /\/usage$/);

    // The host opens a page, sets the theme and hides the navigation.
    await page.evaluate('window.dashboard.navigate("/plan-usage")');
    await inside.waitForURL(/\/plan-usage$/);
    await page.evaluate('window.dashboard.setTheme({ colorScheme: "dark", primaryColor: "#0ca678" })');
    await expect.poll(() => inside.evaluate('document.documentElement.getAttribute("data-mantine-color-scheme")')).toBe('dark');
    await expect
      .poll(() => inside.evaluate('getComputedStyle(document.documentElement).getPropertyValue("--mantine-primary-color-filled").trim()'))
      .toBe('#0ca678');
    await page.evaluate('window.dashboard.hideNavigation(true)');
    await expect.poll(() => frame.getByRole('navigation', { name: 'Dashboard pages' }).isVisible()).toBe(false);
    await screenshot(page, 'embedded-cross-site');
  });

  it('the widgets show the figures of GET /balance and GET /plan/usage; the badge opens Usage', async () => {
    const page = await context.newPage();
    const hostOrigin = `http://localhost:${hosts[0]!.port}`;
    await page.goto(`${hostOrigin}/`);
    const balance = await api<Balance>('/balance');
    const plan = await api<PlanUsage>('/plan/usage');

    const badge = page.frameLocator('#badge iframe');
    await expect.poll(() => badge.getByTestId('badge-figure').getAttribute('data-amount')).toBe(balance.available);
    expect(await badge.getByTestId('badge-figure').textContent()).toBe(formatAmount(balance.available, 'en-US', { maxFraction: 2 }));

    const card = page.frameLocator('#card iframe');
    await expect.poll(() => card.getByTestId('balance-card-available').textContent()).toBe(en(balance.available));

    const bars = page.frameLocator('#bars iframe');
    for (const key of ['credits', 'storage', 'deployments']) {
      const row = plan.data.find((r) => r.key === key)!;
      await expect.poll(() => bars.getByTestId(`mini-${key}`).textContent()).toBe(planLine(row, 'en-US').label);
    }
    expect(await bars.locator('[data-testid^="mini-"]').count()).toBe(3);

    // While loading, no widget grew past its default box (a full-size spinner once made the badge 125 px tall).
    const received = (await page.evaluate('window.received')) as { container?: string; data: { type: string; height?: number } }[];
    const tallest = (container: string) => Math.max(...received.filter((m) => m.container === container && m.data.type === 'tally:height').map((m) => m.data.height!));
    for (const [container, box] of [['badge', 44], ['bars', 150], ['card', 170]] as const) {
      expect(tallest(container)).toBeGreaterThan(0); // it did report its height
      expect(tallest(container)).toBeLessThanOrEqual(box);
    }

    // A click on the badge opens Usage in the dashboard frame on the page.
    const inside = page.frameLocator('#dash iframe');
    await inside.getByTestId('profile-menu').waitFor();
    await page.evaluate('window.dashboard.navigate("/statements")');
    await expect.poll(() => dashboardFrame(page, e2e.server.baseUrl).url()).toMatch(/\/statements$/);
    await badge.getByTestId('credit-badge').click();
    await expect.poll(() => dashboardFrame(page, e2e.server.baseUrl).url()).toMatch(/\/usage$/);
    await screenshot(page, 'embedded-widgets');
    await page.close();
  });

  it('a host origin that is not in embed_origins is refused by the browser', async () => {
    const other = await host(false);
    const page = await context.newPage();
    await page.goto(`${other}/`);
    await page.waitForFunction('window.frameLoaded === true');
    const frame = page.frames().find((f) => f !== page.mainFrame());
    // Chromium replaces a frame refused by frame-ancestors with its error page: no Tally document in it.
    expect(frame?.url().startsWith(e2e.server.baseUrl)).not.toBe(true);
    expect(await page.evaluate('window.received.length')).toBe(0);
    await page.close();
  });

  it('a member opened through an embed link lands on My credits', async () => {
    const made = await e2e.server.call<{ url: string }>('POST', `/v1/orgs/${e2e.data.orgId}/embed-tokens`, { member: e2e.data.members.member.id, ttl_seconds: 600 });
    const page = await context.newPage();
    await page.goto(made.url);
    await page.waitForURL(/\/my-credits$/);
    await page.getByRole('heading', { level: 2 }).first().waitFor();
    expect(await page.getByTestId('profile-role').count()).toBe(0); // menu closed, nothing in the way
    await page.close();
  });

  it('an owner edits the allowed origins in Alerts & billing → Embedding; a path is refused before saving', async () => {
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await page.goto(`${e2e.server.baseUrl}/billing/embedding`);
    const input = page.getByLabel('Allowed origins');
    await input.waitFor();
    expect((await input.inputValue()).split('\n')).toEqual([`http://localhost:${hosts[0]!.port}`]);
    await input.fill('https://portal.example.com\nhttps://app.example.com/billing');
    await expect.poll(() => page.getByTestId('embedding-settings').textContent()).toContain('"https://app.example.com/billing" is not an origin');
    expect(await page.getByRole('button', { name: 'Save origins' }).isDisabled()).toBe(true);
    await input.fill('https://portal.example.com\nHTTPS://App.Example.com:443');
    await page.getByRole('button', { name: 'Save origins' }).click();
    await expect.poll(() => page.getByTestId('embedding-saved').textContent()).toContain('2 sites may embed the dashboard');
    const org = await e2e.server.call<{ embed_origins: string[] }>('GET', `/v1/orgs/${e2e.data.orgId}`);
    expect(org.embed_origins).toEqual(['https://portal.example.com', 'https://app.example.com']);
    expect(await input.inputValue()).toBe('https://portal.example.com\nhttps://app.example.com');
    await page.close();
  });
});
