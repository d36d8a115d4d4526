import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Alerts, AuditEntry, AutoRecharge, Page as ApiPage, Purchase, WebhookDelivery, WebhookEndpoint } from '../../src/client/index.js';
import { formatCredits } from '../../web/src/format.js';
import { testDatabases } from '../helpers/db.js';
import { hasChromium, newContext, screenshot, settled, signIn, useE2e } from './harness.js';

const en = (value: string) => formatCredits(value, 'en-US');
const attr = (page: Page, selector: string, name: string) => page.locator(selector).evaluateAll((els, a) => els.map((e) => e.getAttribute(a)), name);

describe.skipIf(!hasChromium).each(testDatabases)('alerts, billing settings and audit log in Chromium on $name', (target) => {
  const e2e = useE2e(target);
  const api = <T>(path: string) => e2e.server.call<T>('GET', `/v1/orgs/${e2e.data.orgId}${path}`);

  it('saves low-credit thresholds and recipients, as the API then reports them', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.billing_admin.email);
    await page.getByRole('link', { name: 'Alerts & billing' }).click();
    await page.waitForURL(/\/billing\/alerts/);
    await settled(page);
    await page.getByRole('button', { name: 'Add threshold' }).click();
    await page.getByRole('textbox', { name: 'Threshold 1' }).fill('1000');
    await page.getByRole('button', { name: 'Add threshold' }).click();
    await page.getByRole('combobox', { name: 'Threshold 2 kind' }).click();
    await page.getByRole('option', { name: '% of included' }).click();
    await page.getByRole('textbox', { name: 'Threshold 2' }).fill('150');
    // An impossible percentage cannot be saved.
    expect(await page.getByRole('button', { name: 'Save alerts' }).isDisabled()).toBe(true);
    await page.getByRole('textbox', { name: 'Threshold 2' }).fill('12.5');
    const emails = page.getByRole('combobox', { name: 'Email recipients' });
    await emails.fill('ops@northwind.test');
    await emails.press('Enter');
    await page.getByRole('button', { name: 'Save alerts' }).click();
    await page.getByTestId('alerts-saved').waitFor();
    const alerts = await api<Alerts>('/alerts');
    expect(alerts.emails).toEqual(['ops@northwind.test']);
    expect(alerts.thresholds.map((t) => t.credits ?? `${t.pct_of_included}%`).sort()).toEqual(['1000', '12.5%']);
    await expect.poll(() => attr(page, '[data-threshold]', 'data-threshold')).toEqual(alerts.thresholds.map((t) => t.id));
    await screenshot(page, 'billing-alerts');
    await context.close();
  });

  it('creates a webhook endpoint showing its secret once, and lists its delivery log', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await page.goto(`${e2e.server.baseUrl}/billing/webhooks`);
    await settled(page);
    // Loopback port 9 (discard): nothing answers, so the attempt is logged as failed.
    await page.getByRole('textbox', { name: 'Endpoint URL' }).fill('http://127.0.0.1:9/tally');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByTestId('webhook-secret').waitFor();
    const secret = await page.getByTestId('secret-value').textContent();
    expect(secret).toMatch(/^whsec_/);
    const endpoints = await api<{ data: WebhookEndpoint[] }>('/webhooks');
    expect(endpoints.data.map((e) => e.url)).toEqual(['http://127.0.0.1:9/tally']);
    // The secret is not in the list, and gone after a reload.
    expect(JSON.stringify(endpoints)).not.toContain(secret!);
    await page.reload();
    await settled(page);
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);
    await expect.poll(() => attr(page, '[data-endpoint]', 'data-endpoint')).toEqual(endpoints.data.map((e) => e.id));

    // A low-balance alert is sent to it: the delivery log shows the attempt the API reports.
    await e2e.server.call('PUT', `/v1/orgs/${e2e.data.orgId}/alerts`, { thresholds: [{ credits: '1000000' }], emails: [] });
    await e2e.server.runJobs();
    await e2e.server.runJobs();
    const endpoint = endpoints.data[0]!;
    const deliveries = await api<ApiPage<WebhookDelivery>>(`/webhooks/${endpoint.id}/deliveries?limit=20`);
    await page.getByRole('button', { name: 'Delivery log' }).click();
    await settled(page);
    expect(deliveries.data.length).toBeGreaterThan(0);
    await expect.poll(() => attr(page, '[data-delivery]', 'data-delivery')).toEqual(deliveries.data.map((d) => d.delivery_id));
    expect(await page.getByTestId('deliveries-table').textContent()).toContain('balance.low');
    await screenshot(page, 'billing-webhooks');

    // Deleting asks first; Cancel keeps the endpoint.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await api<{ data: WebhookEndpoint[] }>('/webhooks')).data.length).toBe(1);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete endpoint' }).click();
    await expect.poll(async () => (await api<{ data: WebhookEndpoint[] }>('/webhooks')).data.length).toBe(0);
    await context.close();
  });

  it('saves auto-recharge settings, and buys credits that stay pending until the payment is confirmed', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    // The Usage page's links lead here.
    await page.goto(`${e2e.server.baseUrl}/usage`);
    await page.getByRole('link', { name: 'Auto-recharge' }).click();
    await page.waitForURL(/\/billing\/auto-recharge/);
    await settled(page);
    await page.getByRole('switch', { name: 'Auto-recharge enabled' }).check();
    await page.getByRole('textbox', { name: 'Threshold (credits)' }).fill('500');
    await page.getByRole('textbox', { name: 'Amount to buy (credits)' }).fill('2000');
    await page.getByRole('textbox', { name: 'At most purchases per month' }).fill('4');
    await page.getByRole('textbox', { name: 'Cooldown (minutes)' }).fill('30');
    await page.getByRole('button', { name: 'Save auto-recharge' }).click();
    await page.getByTestId('auto-recharge-saved').waitFor();
    const recharge = await api<AutoRecharge>('/auto-recharge');
    expect(recharge).toMatchObject({ enabled: true, threshold: '500', amount: '2000', max_per_month: 4, cooldown_minutes: 30 });
    await screenshot(page, 'billing-auto-recharge');

    await page.goto(`${e2e.server.baseUrl}/usage`);
    await page.getByRole('link', { name: 'Buy credits' }).click();
    await page.waitForURL(/\/billing\/buy-credits/);
    await settled(page);
    await page.getByRole('textbox', { name: 'Credits to buy' }).fill('1500');
    await page.getByRole('textbox', { name: 'Price (USD)' }).fill('150');
    await page.getByRole('button', { name: 'Buy credits' }).click();
    // A costly action asks first; Cancel buys nothing.
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await api<ApiPage<Purchase>>('/purchases')).data.length).toBe(0);
    await page.getByRole('button', { name: 'Buy credits' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm purchase' }).click();
    await expect.poll(async () => (await api<ApiPage<Purchase>>('/purchases')).data.length).toBe(1);
    const [purchase] = (await api<ApiPage<Purchase>>('/purchases')).data;
    expect(purchase).toMatchObject({ amount: '1500', price_usd: '150', status: 'pending_payment' });
    const badge = page.locator(`[data-purchase="${purchase!.id}"] [data-status]`);
    await expect.poll(() => badge.textContent()).toBe('Pending payment');
    expect(await page.locator(`[data-purchase="${purchase!.id}"]`).textContent()).toContain(en('1500'));
    await screenshot(page, 'billing-buy-credits');
    // The operator confirms the payment: the page shows it paid without a reload.
    await e2e.server.call('POST', `/v1/orgs/${e2e.data.orgId}/purchases/${purchase!.id}/confirm`, { reference: 'wire-42' });
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toBe('Paid');
    await context.close();
  });

  it('the audit log filters by action and actor, pages, and shows before and after', async () => {
    // Enough settings changes for a second page.
    for (let i = 0; i < 27; i++) await e2e.server.call('PATCH', `/v1/orgs/${e2e.data.orgId}/settings`, { credits_per_new_user: String(i + 1) });
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL(/\/audit/);
    await settled(page);
    const all = await api<ApiPage<AuditEntry>>('/audit?limit=25');
    await expect.poll(() => attr(page, '[data-audit]', 'data-audit')).toEqual(all.data.map((a) => a.id));

    await page.getByRole('combobox', { name: 'Action' }).fill('settings.update');
    await page.getByRole('combobox', { name: 'Action' }).press('Escape');
    await page.getByRole('button', { name: 'Filter' }).click();
    await settled(page);
    const first = await api<ApiPage<AuditEntry>>('/audit?action=settings.update&limit=25');
    expect(first.next_cursor).not.toBeNull();
    await expect.poll(() => attr(page, '[data-audit]', 'data-audit')).toEqual(first.data.map((a) => a.id));
    expect(new Set(await page.getByTestId('audit-action').allTextContents())).toEqual(new Set(['settings.update']));
    const top = first.data[0]!;
    const row = page.locator(`[data-audit="${top.id}"]`);
    expect(JSON.parse((await row.getByTestId('audit-before').textContent())!)).toEqual(top.before);
    expect(JSON.parse((await row.getByTestId('audit-after').textContent())!)).toEqual(top.after);
    await screenshot(page, 'audit-log');
    await page.getByRole('button', { name: 'Next' }).click();
    const second = await api<ApiPage<AuditEntry>>(`/audit?action=settings.update&limit=25&cursor=${encodeURIComponent(first.next_cursor!)}`);
    await expect.poll(() => attr(page, '[data-audit]', 'data-audit')).toEqual(second.data.map((a) => a.id));

    await page.getByRole('combobox', { name: 'Action' }).fill('');
    // people, not ids: a member is filtered by the name the log shows
    const person = Object.values(e2e.data.members).find((m) => `member:${m.id}` === top.actor);
    await page.getByRole('combobox', { name: 'Actor' }).fill(person?.name ?? top.actor);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Filter' }).click();
    await settled(page);
    const byActor = await api<ApiPage<AuditEntry>>(`/audit?actor=${encodeURIComponent(top.actor)}&limit=25`);
    await expect.poll(() => attr(page, '[data-audit]', 'data-audit')).toEqual(byActor.data.map((a) => a.id));
    expect(new Set(await attr(page, '[data-testid="audit-actor"]', 'data-actor'))).toEqual(new Set([top.actor]));
    await context.close();
  });

  it('a member and a manager cannot open alerts, billing settings or the audit log', async () => {
    for (const who of [e2e.data.members.member, e2e.data.members.manager]) {
      const context = await newContext(e2e.browser);
      const page = await context.newPage();
      await signIn(page, e2e.server.baseUrl, who.email);
      expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Alerts & billing' }).count()).toBe(0);
      for (const path of ['/audit', '/billing/buy-credits']) {
        await page.goto(`${e2e.server.baseUrl}${path}`);
        await expect.poll(() => page.getByTestId('billing-notice').textContent()).toContain('owner or billing admin');
      }
      await context.close();
    }
  });
});
