import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../helpers/db.js';
import { hasChromium, revealAll, ROLES, screenshot, settled, signIn, type E2eRole, useE2e } from './harness.js';

const PHONE = { width: 390, height: 844 };
const HOME: Record<E2eRole, RegExp> = {
  owner: /\/credit-history$/,
  billing_admin: /\/credit-history$/,
  manager: /\/usage$/,
  member: /\/my-credits$/,
};

/** The page's first heading is on screen, below the header, and nothing lies on top of it; the page does not scroll sideways. */
async function expectUncovered(page: Page, where: string): Promise<void> {
  const heading = page.getByRole('heading', { level: 2 }).first();
  await heading.waitFor();
  const state = (await page.evaluate(`(() => {
    const el = document.querySelector('main h2');
    const box = el.getBoundingClientRect();
    const header = document.querySelector('header')?.getBoundingClientRect().bottom ?? 0;
    const hit = document.elementFromPoint(box.left + Math.min(box.width / 2, 40), box.top + box.height / 2);
    return {
      top: box.top,
      header,
      left: box.left,
      ownHit: !!hit && (el === hit || el.contains(hit)),
      pageWidth: document.documentElement.scrollWidth,
      viewport: window.innerWidth,
    };
  })()`)) as { top: number; header: number; left: number; ownHit: boolean; pageWidth: number; viewport: number };
  expect(state.top, where).toBeGreaterThanOrEqual(state.header);
  expect(state.left, where).toBeGreaterThanOrEqual(0);
  expect(state.ownHit, `${where}: something covers the heading`).toBe(true);
  expect(state.pageWidth, `${where}: the page scrolls sideways`).toBeLessThanOrEqual(state.viewport);
}

async function navigationShown(page: Page): Promise<boolean> {
  const box = await page.locator('#tally-navigation').boundingBox();
  return !!box && box.x + box.width > 0;
}

describe.skipIf(!hasChromium).each(testDatabases)('the dashboard at 390×844 on $name', (target) => {
  const e2e = useE2e(target);

  it.each(ROLES)('%s: lands on its first page, and the burger menu reaches every page without covering it', async (role) => {
    const context = await e2e.browser.newContext({ viewport: PHONE, locale: 'en-US', timezoneId: 'Europe/Berlin', isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members[role].email);
    await page.waitForURL(HOME[role]);
    await settled(page);
    await expectUncovered(page, `${role} first page`);
    expect(await navigationShown(page)).toBe(false);
    // Written to artifacts/screenshots like the others; docs/screenshots/mobile-<role>.png are copies of these.
    await screenshot(page, `mobile-${role}`);

    const burger = page.getByTestId('burger');
    await burger.click();
    await expect.poll(() => navigationShown(page)).toBe(true);
    expect(await burger.getAttribute('aria-expanded')).toBe('true');
    expect(await burger.getAttribute('aria-label')).toBe('Close navigation');
    const links = await page.locator('#tally-navigation a[href]').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href')!, label: a.textContent!.trim() })));
    expect(links.length).toBeGreaterThan(0);
    // Closing without choosing a page works too.
    await burger.click();
    await expect.poll(() => navigationShown(page)).toBe(false);

    for (const link of links) {
      await burger.click();
      await expect.poll(() => navigationShown(page)).toBe(true);
      await page.locator('#tally-navigation').getByRole('link', { name: link.label, exact: true }).click();
      await page.waitForURL(new RegExp(`${link.href.replace(/[/]/g, '\\/')}(\\/[a-z-]+)?$`));
      await expect.poll(() => navigationShown(page), { message: `${role} ${link.label}: the menu closes` }).toBe(false);
      expect(await burger.getAttribute('aria-expanded')).toBe('false');
      await settled(page);
      await revealAll(page);
      await page.evaluate('window.scrollTo(0, 0)');
      await expectUncovered(page, `${role} ${link.label}`);
    }
    await context.close();
  });

  it('a dialog fits the phone screen', async () => {
    const context = await e2e.browser.newContext({ viewport: PHONE, locale: 'en-US', timezoneId: 'Europe/Berlin', isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await page.goto(`${e2e.server.baseUrl}/statements`);
    await settled(page);
    await page.getByRole('button', { name: 'Export ledger data' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await page.waitForFunction(`(() => { const d = document.querySelector('[role="dialog"]'); return d && getComputedStyle(d).opacity === '1'; })()`);
    const box = (await dialog.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    expect(box.y).toBeGreaterThanOrEqual(0);
    await context.close();
  });
});
