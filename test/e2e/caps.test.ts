import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { CapOut } from '../../src/modules/caps/routes.js';
import { testDatabases } from '../helpers/db.js';
import { hasChromium, newContext, screenshot, settled, signIn, useE2e } from './harness.js';

type Cap = z.output<typeof CapOut>;

/** Spend caps and scoped grants in the dashboard (issue 16 part 1), every figure checked against the API. */
describe.skipIf(!hasChromium).each(testDatabases)('spend caps in Chromium on $name', (target) => {
  const e2e = useE2e(target);
  let memberCap: Cap;
  const org = () => `/v1/orgs/${e2e.data.orgId}`;

  beforeAll(async () => {
    memberCap = await e2e.server.call<Cap>('POST', `${org()}/caps`, { scope: `member:${e2e.data.members.member.id}`, window: 'calendar_month', limit: '100', mode: 'block' });
    await e2e.server.call('POST', `${org()}/grants`, { name: 'GPU promotion', source: 'promotional', amount: '40', applies_to: { categories: ['training'] } });
  });

  it('shows each cap\'s use this window on the Caps tab and adds a cap from the form', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await page.goto(`${e2e.server.baseUrl}/allocations?tab=caps`);
    await settled(page);
    const row = page.locator(`[data-cap-row="${memberCap.id}"]`);
    await row.waitFor();
    await expect.poll(() => row.textContent()).toContain('Max Member'); // the scope's name replaces its id once members load
    const [listed] = (await e2e.server.call<{ data: Cap[] }>('GET', `${org()}/caps`)).data;
    expect(await row.locator('[data-testid="cap-used"] [data-amount]').first().getAttribute('data-amount')).toBe(listed!.used);
    expect(await row.locator('[data-testid="cap-used"] [data-amount]').nth(1).getAttribute('data-amount')).toBe('100');

    await page.getByTestId('cap-limit').fill('500');
    await page.getByTestId('cap-create').click();
    await page.locator('[data-cap-row]').nth(1).waitFor();
    const caps = (await e2e.server.call<{ data: Cap[] }>('GET', `${org()}/caps`)).data;
    const added = caps.find((c) => c.id !== memberCap.id)!;
    expect(added).toMatchObject({ scope: 'org', window: 'calendar_month', limit: '500', mode: 'notify', notify_at_percent: [80, 90, 100] });
    const addedRow = page.locator(`[data-cap-row="${added.id}"]`);
    expect(await addedRow.locator('[data-testid="cap-used"] [data-amount]').first().getAttribute('data-amount')).toBe(added.used);
    await screenshot(page, 'caps-tab');
    await context.close();
  });

  it('shows a member the caps that bind them on My credits, and a grant\'s scope in Credit history', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.member.email);
    await page.goto(`${e2e.server.baseUrl}/my-credits`);
    await settled(page);
    const mine = (await e2e.server.call<{ data: Cap[] }>('GET', `${org()}/caps`)).data;
    const section = page.getByTestId('my-caps');
    await section.waitFor();
    // both caps bind Max: the organization's and his own
    expect(await section.locator('[data-testid="cap-bar"]').count()).toBe(mine.length);
    const own = section.locator(`[data-cap="${memberCap.id}"]`);
    const fresh = mine.find((c) => c.id === memberCap.id)!;
    expect(await own.locator('[data-testid="cap-used"] [data-amount]').first().getAttribute('data-amount')).toBe(fresh.used);
    expect(await section.textContent()).toContain('You');
    await context.close();

    const ownerContext = await newContext(e2e.browser);
    const ownerPage = await ownerContext.newPage();
    await signIn(ownerPage, e2e.server.baseUrl, e2e.data.members.owner.email);
    await ownerPage.goto(`${e2e.server.baseUrl}/credit-history`);
    await settled(ownerPage);
    const scoped = ownerPage.locator('[data-grant]', { hasText: 'GPU promotion' });
    await scoped.waitFor();
    expect(await scoped.getByTestId('grant-scope').textContent()).toBe('Training only');
    expect(await ownerPage.getByTestId('grant-scope').count()).toBe(1);
    await ownerContext.close();
  });
});
