import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Balance, Grant, LedgerEntry, UsageEvent } from '../../src/client/index.js';
import { exactCredits, formatAmount, formatCredits, formatDateTime, formatMonth, formatUsd, roundsCredits } from '../../web/src/format.js';
import { testDatabases } from '../helpers/db.js';
import { SCREENSHOTS, useE2e } from './harness.js';
import { firstPageBundleBytes, hasChromium, newContext, revealAll, screenshot, settled, signIn } from './harness.js';

const en = (value: string) => formatCredits(value, 'en-US');

/** Opens a page and measures until its first screen has its data (no loader left): printed, never asserted. */
async function visit(timings: Record<string, number[]>, page: Page, url: string, name: string): Promise<void> {
  const started = performance.now();
  await page.goto(url);
  await page.getByRole('heading', { level: 2 }).first().waitFor();
  await settled(page);
  (timings[name] ??= []).push(Math.round(performance.now() - started));
}

describe.skipIf(!hasChromium).each(testDatabases)('dashboard in Chromium on $name', (target) => {
  const e2e = useE2e(target);
  const timings: Record<string, number[]> = {};
  let has: { statements: boolean; invoices: boolean; usage: boolean; plan: boolean };
  const api = <T>(path: string) => e2e.server.call<T>('GET', `/v1/orgs/${e2e.data.orgId}${path}`);

  beforeAll(async () => {
    has = {
      statements: await e2e.server.hasRoute('/v1/orgs/{org}/statements/{period}'),
      invoices: await e2e.server.hasRoute('/v1/orgs/{org}/invoices'),
      usage: await e2e.server.hasRoute('/v1/orgs/{org}/usage/breakdown'),
      plan: await e2e.server.hasRoute('/v1/orgs/{org}/plan/usage'),
    };
    if (!Object.values(has).every(Boolean)) console.log(`e2e: APIs not on this branch yet, their checks are skipped: ${JSON.stringify(has)}`);
  });

  afterAll(async () => {
    for (const [name, ms] of Object.entries(timings)) console.log(`e2e time-to-content ${name} (${target.name}): ${ms.join(', ')} ms`);
  });

  it('the owner sees credit history figures equal to the API, and tabs change the grants shown', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await page.waitForURL(/\/credit-history/);
    await visit(timings, page, `${e2e.server.baseUrl}/credit-history`, 'credit-history');
    const balance = await api<Balance>('/balance');
    await expect.poll(() => page.getByTestId('card-current-balance').getByTestId('figure').textContent()).toBe(en(balance.available));
    expect(await page.getByTestId('card-amount-spent').getByTestId('figure').textContent()).toBe(en(balance.spent));
    expect(await page.getByTestId('card-total-granted').getByTestId('figure').textContent()).toBe(en(balance.total_granted));
    await screenshot(page, 'credit-history');

    for (const [tab, status] of [
      ['In use', 'in_use'],
      ['Pending', 'pending'],
      ['Expired', 'expired'],
      ['All credits', 'all'],
    ] as const) {
      await page.getByRole('tab', { name: tab }).click();
      await settled(page);
      const expected = await api<{ data: Grant[] }>(`/grants?status=${status}&limit=20`);
      await expect.poll(() => page.locator('[data-grant]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-grant')))).toEqual(
        expected.data.map((g) => g.id),
      );
    }
    const pending = await api<{ data: Grant[] }>('/grants?status=pending');
    expect(pending.data.map((g) => g.name)).toContain('Launch promotion');

    // A grant opens with its ledger and its disbursements.
    const grant = e2e.data.grants.included as Grant;
    await page.getByRole('link', { name: grant.name }).click();
    await settled(page);
    // reference 000: "Credits available" rows and one "Credit usage" row per day, each expandable to its entries
    const summary = await api<{ data: { type: string; date: string; entries: number }[] }>(`/grants/${grant.id}/ledger/summary`);
    await expect.poll(() => page.locator('[data-ledger-row]').count()).toBe(summary.data.length);
    await expect.poll(() => page.getByTestId('ledger-table').textContent()).toContain('Credits available');
    await expect.poll(() => page.getByTestId('ledger-table').textContent()).toContain('Credit usage');
    const usageDay = summary.data.find((r) => r.type === 'credit_usage')!;
    await page.getByRole('button', { name: `Show entries of ${usageDay.date}` }).click();
    const dayEntries = await api<{ data: LedgerEntry[] }>(`/grants/${grant.id}/ledger?day=${usageDay.date}&limit=50`);
    // the day expands to its usage; the credits that became available that day are rows of their own above
    const dayUsage = dayEntries.data.filter((e) => !['grant', 'adjustment', 'expiry', 'void'].includes(e.type));
    expect(dayUsage.length).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('ledger-day-entries').locator('tbody tr').count()).toBe(dayUsage.length);
    await screenshot(page, 'grant-ledger');
    await page.getByRole('tab', { name: 'Grants' }).click();
    const contract = await api<Grant>(`/grants/${(e2e.data.grants.scheduled as Grant).id}`);
    expect(await page.getByTestId('disbursements-table').locator('tbody tr').count()).toBe(1);
    await page.goto(`${e2e.server.baseUrl}/credit-history/${contract.id}`);
    await page.getByRole('tab', { name: 'Grants' }).click();
    await expect.poll(() => page.getByTestId('disbursements-table').locator('tbody tr').count()).toBe(contract.blocks.length);
    await context.close();
  });

  it('the usage page shows the API balance split, and historical events page with Next and Previous', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.billing_admin.email);
    await visit(timings, page, `${e2e.server.baseUrl}/usage`, 'usage');
    const balance = await api<Balance>('/balance');
    await expect.poll(() => page.getByTestId('figure-available').textContent()).toBe(en(balance.available));
    expect(await page.getByTestId('figure-included').textContent()).toBe(en(balance.included));
    expect(await page.getByTestId('figure-purchased').textContent()).toBe(en(balance.purchased));
    await expect.poll(() => page.getByRole('link', { name: 'Buy credits' }).count()).toBe(1);
    await expect.poll(() => page.getByRole('link', { name: 'Auto-recharge' }).count()).toBe(1);

    await screenshot(page, 'usage');
    await revealAll(page);
    const first = await api<{ data: UsageEvent[]; next_cursor: string }>('/events?limit=10');
    const second = await api<{ data: UsageEvent[] }>(`/events?limit=10&cursor=${encodeURIComponent(first.next_cursor)}`);
    const shownEvents = () => page.locator('[data-event]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event')));
    await expect.poll(shownEvents).toEqual(first.data.map((e) => e.id));
    const credits = await page.getByTestId('event-credits').allTextContents();
    expect(credits).toEqual(first.data.map((e) => en(e.cost_credits)));
    // one format per column (two decimals); where that rounds, the exact value is a title and a focusable label
    const rounded = first.data.find((e) => roundsCredits(e.cost_credits, 'en-US'));
    expect(rounded, 'a seeded event costs a fraction of a cent-credit').toBeDefined();
    const exact = page.locator(`[data-event="${rounded!.id}"]`).getByTestId('event-credits').locator('[data-exact]');
    const exactText = exactCredits(rounded!.cost_credits, 'en-US');
    expect(await exact.getAttribute('title')).toBe(`Exact value: ${exactText}`);
    expect(await exact.getAttribute('aria-label')).toBe(`${en(rounded!.cost_credits)}, exact value ${exactText}`);
    await exact.focus();
    expect(await exact.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    // people, not ids: the User column names the member (the id stays as a title)
    const names = new Map(Object.values(e2e.data.members).map((m) => [m.id, m.name]));
    expect(await page.getByTestId('event-user').allTextContents()).toEqual(first.data.map((e) => (e.user ? (names.get(e.user) ?? e.user) : '—')));
    expect(await page.getByTestId('event-user').allTextContents()).not.toContain(e2e.data.members.member.id);
    // Times are the organization's (America/New_York), not the browser's (Europe/Berlin).
    const times = await page.getByTestId('event-time').allTextContents();
    expect(times).toEqual(first.data.map((e) => formatDateTime(e.timestamp, 'America/New_York', 'en-US')));
    expect(times[0]).not.toBe(formatDateTime(first.data[0]!.timestamp, 'Europe/Berlin', 'en-US'));
    const events = page.getByRole('group', { name: 'Usage events pages' }).or(page.locator('[aria-label="Usage events pages"]'));
    await events.getByRole('button', { name: 'Next' }).click();
    await expect.poll(shownEvents).toEqual(second.data.map((e) => e.id));
    await events.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(shownEvents).toEqual(first.data.map((e) => e.id));

    const grants = await api<{ data: Grant[] }>('/grants?status=all&limit=10');
    const grantRows = page.getByTestId('grants-table').locator('[data-grant]');
    await expect.poll(() => grantRows.count()).toBe(grants.data.length);

    if (has.usage) {
      const breakdown = await api<{ data: { credits: string }[] }>('/usage/breakdown?period=current&by=category');
      await expect.poll(() => page.getByTestId('breakdown-table').locator('tbody tr').count()).toBe(breakdown.data.length);
      await page.evaluate('window.scrollTo(0, 0)');
      await page.getByText('7 days', { exact: true }).click();
      await expect.poll(() => page.getByTestId('daily-chart').getAttribute('data-days')).toBe('7');
      await page.getByText('14 days', { exact: true }).click();
      await expect.poll(() => page.getByTestId('daily-chart').getAttribute('data-days')).toBe('14');
      const before = await page.getByTestId('meter-graph').count();
      const withZero = await api<{ series: unknown[] }>('/usage/series?include_zero=true');
      // By keyboard: the sticky header may cover the switch, and the toggle must work without a mouse anyway.
      await page.getByRole('switch', { name: 'Show zero usage metrics' }).focus();
      await page.keyboard.press('Space');
      await expect.poll(() => page.getByTestId('meter-graph').count()).toBe(withZero.series.length);
      expect(withZero.series.length).toBeGreaterThanOrEqual(before);
    }
    await settled(page);
    await page.screenshot({ path: `${SCREENSHOTS}/usage-full.png`, fullPage: true });
    await context.close();
  });

  it('a member sees the billing sentence instead of figures, and only the pages of their role', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.member.email);
    // A member lands on My credits (their first permitted page), not on a padlock.
    await page.waitForURL(/\/my-credits$/);
    await page.goto(`${e2e.server.baseUrl}/usage`);
    await settled(page);
    await expect.poll(() => page.getByTestId('billing-notice').first().textContent()).toContain('owner or billing admin');
    expect(await page.getByTestId('figure-available').count()).toBe(0);
    const nav = page.getByRole('navigation', { name: 'Dashboard pages' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Usage', 'My credits']);
    await screenshot(page, 'usage-member');
    for (const path of ['/credit-history', '/statements', '/invoices', '/plan-usage']) {
      await page.goto(`${e2e.server.baseUrl}${path}`);
      await expect.poll(() => page.getByTestId('billing-notice').textContent()).toContain('owner or billing admin');
    }
    await context.close();
  });

  it('a manager sees usage figures but not grants or invoices', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.manager.email);
    await visit(timings, page, `${e2e.server.baseUrl}/usage`, 'usage (manager)');
    const balance = await api<Balance>('/balance');
    await expect.poll(() => page.getByTestId('figure-available').textContent()).toBe(en(balance.available));
    expect(await page.getByTestId('grants-table').count()).toBe(0);
    expect(await page.getByTestId('billing-notice').count()).toBe(2);
    expect(await page.getByRole('link', { name: 'Buy credits' }).count()).toBe(0);
    const nav = page.getByRole('navigation', { name: 'Dashboard pages' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Usage', 'Plan usage', 'Statements', 'My credits', 'Credits & Allocations']);
    await context.close();
  });

  it("formats amounts in the user's locale without losing a digit", async () => {
    const context = await newContext(e2e.browser, 'de-DE');
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await visit(timings, page, `${e2e.server.baseUrl}/credit-history?tab=all`, 'credit-history (de-DE)');
    const balance = await api<Balance>('/balance');
    await expect.poll(() => page.getByTestId('card-current-balance').getByTestId('figure').textContent()).toBe(formatCredits(balance.available, 'de-DE'));
    const row = page.locator(`[data-grant="${(e2e.data.grants.purchased as Grant).id}"]`);
    await expect.poll(() => row.textContent()).toContain('1.234,5');
    await context.close();
  });

  it('signs out, and a wrong password shows an error', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await page.getByTestId('profile-menu').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${e2e.server.baseUrl}/credit-history`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('Email').fill(e2e.data.members.owner.email);
    await page.getByRole('textbox', { name: 'Password' }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('not right');
    await context.close();
  });

  it('an embed link shows the dashboard as its member; an expired one shows a clear page', async () => {
    const made = await e2e.server.call<{ url: string }>('POST', `/v1/orgs/${e2e.data.orgId}/embed-tokens`, { member: e2e.data.members.manager.id, ttl_seconds: 120 });
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await page.goto(made.url);
    await page.getByTestId('profile-menu').waitFor();
    expect(await page.getByTestId('profile-menu').textContent()).toContain(e2e.data.members.manager.name);
    await page.waitForURL(/\/usage/);
    await settled(page);
    const balance = await api<Balance>('/balance');
    await expect.poll(() => page.getByTestId('figure-available').textContent()).toBe(en(balance.available));
    expect(await context.cookies()).toEqual([]);

    // The session lives in the page's memory: a reload opens the link again, which has expired by then.
    expect(page.url()).toContain('/embed/');
    e2e.server.clock.advance(121_000);
    await page.reload();
    await expect.poll(() => page.getByTestId('embed-failure').textContent()).toContain('This link has expired');
    await context.close();

    const later = await newContext(e2e.browser);
    const expired = await later.newPage();
    await expired.goto(made.url);
    await expect.poll(() => expired.getByTestId('embed-failure').textContent()).toContain('This link has expired');
    await screenshot(expired, 'embed-expired');
    await later.close();
  });

  it('plan usage rows and the profile mini bars follow the API', async ({ skip }) => {
    if (!has.plan) skip('the plan usage API is not on this branch');
    await e2e.server.call('PUT', `/v1/orgs/${e2e.data.orgId}/plan`, {
      name: 'Team',
      limits: { credits_per_period: '20000', storage_gb: '100', deployments: '10', seats: '10' },
      allowances: { background_ai: '500', sandbox_hours: '40' },
    });
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await visit(timings, page, `${e2e.server.baseUrl}/plan-usage`, 'plan-usage');
    const usage = await api<{ data: { key: string; used: string; limit: string | null }[] }>('/plan/usage');
    const seats = usage.data.find((r) => r.key === 'seats')!;
    await expect.poll(() => page.getByTestId('plan-row-seats').textContent()).toContain(`${formatAmount(seats.used, 'en-US')} of ${formatAmount(seats.limit!, 'en-US')} seats used`);
    await expect.poll(() => page.getByTestId('plan-row-credits').textContent()).toContain('training credits remaining');
    await expect.poll(() => page.getByTestId('plan-row-storage').textContent()).toContain('GB storage used');
    await expect.poll(() => page.getByTestId('plan-row-deployments').textContent()).toContain('deployments used');
    await screenshot(page, 'plan-usage');
    await page.getByTestId('profile-menu').click();
    await expect.poll(() => page.getByTestId('profile-mini-bars').locator('[data-testid^="mini-"]').count()).toBe(3);
    const mini = await page.getByTestId('profile-mini-bars').textContent();
    expect(mini).toContain('training credits remaining');
    expect(mini).toContain('storage used');
    expect(mini).toContain('deployments used');
    expect(mini).not.toContain('seats');
    await page.waitForFunction(`getComputedStyle(document.querySelector('[role="menu"]')).opacity === '1'`);
    await screenshot(page, 'profile-menu');
    await page.keyboard.press('Escape');
    await e2e.server.call('PUT', `/v1/orgs/${e2e.data.orgId}/plan`, { name: 'Enterprise', limits: { credits_per_period: 'unlimited', storage_gb: 'unlimited' } });
    await page.reload();
    await expect.poll(() => page.getByTestId('plan-row-credits').textContent()).toContain('Unlimited training credits remaining');
    expect(await page.getByTestId('plan-row-credits').getByRole('progressbar').count()).toBe(0);
    await context.close();
  });

  it('statements show the daily table with job rows, and export a CSV that parses', async ({ skip }) => {
    if (!has.statements) skip('the statements API is not on this branch');
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.manager.email);
    await visit(timings, page, `${e2e.server.baseUrl}/statements`, 'statements');
    expect(await page.getByTestId('statement-heading').textContent()).toBe('Billing period - Current month');
    const statement = await api<{ days: { date: string; credits_used: string }[] }>('/statements/current');
    const active = statement.days.filter((d) => d.credits_used !== '0');
    if (active.length > 0) {
      const day = active[active.length - 1]!;
      const row = page.locator(`[data-day="${day.date}"]`);
      expect(await row.getByTestId('day-used').textContent()).toBe(en(day.credits_used));
      await row.getByRole('button').click();
      const jobs = await api<{ data: unknown[]; next_cursor: string | null }>(`/statements/current/days/${day.date}/jobs`);
      await expect.poll(() => page.getByTestId('jobs-table').locator('tbody tr').count()).toBe(jobs.data.length);
      // the first page only; "Show more jobs" is there exactly when the API has a next page
      expect(await page.getByTestId('more-jobs').count()).toBe(jobs.next_cursor === null ? 0 : 1);
    } else {
      await expect.poll(() => page.getByText('No usage data found.').count()).toBe(1);
    }
    await screenshot(page, 'statements');
    await page.getByRole('button', { name: 'Export ledger data' }).click();
    await page.getByRole('dialog', { name: 'Export Ledger Data' }).waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const file = await (await download).path();
    const rows = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(statement.days.length);
    expect(Object.keys(rows[0] ?? {})).toEqual(['date', 'top_ups', 'credits_used', 'balance']);
    expect(rows.map((r) => r.credits_used)).toEqual(statement.days.map((d) => d.credits_used));

    // Close this month: move the clock into the next one and let the scheduler store the statement.
    const open = (await api<{ data: { period: string; status: string; ends_at: string }[] }>('/statements')).data.find((p) => p.status === 'open')!;
    e2e.server.clock.set(new Date(new Date(open.ends_at).getTime() + 60 * 60 * 1000));
    await e2e.server.runJobs();
    const closed = await api<{ status: string; summary: Record<string, string> }>(`/statements/${open.period}`);
    expect(closed.status).toBe('closed');
    // The session (12 hours) ended with the jump in time: sign in again.
    await signIn(page, e2e.server.baseUrl, e2e.data.members.manager.email);
    await visit(timings, page, `${e2e.server.baseUrl}/statements`, 'statements');
    await page.getByTestId('period-select').click();
    await page.getByRole('option', { name: formatMonth(open.period, 'en-US') }).click();
    await expect.poll(() => page.getByTestId('statement-heading').textContent()).not.toBe('Billing period - Current month');
    const summary = page.getByTestId('statement-summary');
    await expect.poll(() => summary.locator('[data-summary="Closing balance"]').textContent()).toContain(en(closed.summary.closing!));
    for (const label of ['Balance brought forward', 'Purchased', 'Consumed', 'Closing balance']) expect(await summary.textContent()).toContain(label);
    expect(await summary.locator('[data-summary="Consumed"]').textContent()).toContain(en(closed.summary.consumed!));
    await screenshot(page, 'statement-closed');
    await context.close();
  });

  it('invoices list the history and select the current draft by default', async ({ skip }) => {
    if (!has.invoices) skip('the invoices API is not on this branch');
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await visit(timings, page, `${e2e.server.baseUrl}/invoices`, 'invoices');
    const list = await api<{ data: { id: string; status: string; amount_due_usd: string }[] }>('/invoices');
    const draft = list.data.find((i) => i.status === 'draft')!;
    await expect.poll(() => page.locator(`[data-invoice="${draft.id}"]`).getAttribute('data-active')).toBe('true');
    await expect.poll(() => page.getByTestId('amount-due').textContent()).toBe(formatUsd(draft.amount_due_usd, 'en-US'));
    await screenshot(page, 'invoices');
    await context.close();
  });

  it('measures the first page bundle (gzipped) and prints it', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    const assets = new Set<string>();
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/assets/')) assets.add(path.slice(1));
    });
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await settled(page);
    const { gzipBytes: entry } = firstPageBundleBytes();
    const { gzipSync } = await import('node:zlib');
    const loaded = [...assets].reduce((sum, f) => sum + gzipSync(readFileSync(`web/dist/${f}`)).length, 0);
    console.log(`e2e bundle: entry ${(entry / 1024).toFixed(1)} KB gzipped; first page (sign-in + credit history) ${(loaded / 1024).toFixed(1)} KB gzipped over ${assets.size} files`);
    expect(loaded).toBeLessThanOrEqual(350 * 1024);
    await context.close();
  });
});
