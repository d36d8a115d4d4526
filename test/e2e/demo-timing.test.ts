import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Balance } from '../../src/client/index.js';
import { DEMO_ORG, DEMO_SIGN_INS, seedDemoIfEmpty } from '../../src/demo/seed.js';
import { formatCredits } from '../../web/src/format.js';
import { testDatabases } from '../helpers/db.js';
import { hasChromium, newContext, settled, signIn, useE2e } from './harness.js';

/**
 * The demo `npm start` seeds, signed in with its printed owner sign-in: every
 * page renders its data. Time until each page's first screen has its data is
 * printed (issue target ≤ 1 s on localhost), never asserted.
 */
describe.skipIf(!hasChromium).each(testDatabases)('demo organization in Chromium on $name', (target) => {
  const e2e = useE2e(target, { seed: false });
  const timings: string[] = [];

  beforeAll(async () => {
    expect(await seedDemoIfEmpty(e2e.server.ctx)).toEqual({ orgId: DEMO_ORG });
  }, 300_000);

  afterAll(async () => {
    console.log(`e2e demo time-to-content (${target.name}): ${timings.join(', ')}`);
  });

  it('signs in as the printed owner and renders every page with the demo data', async () => {
    const owner = DEMO_SIGN_INS.find((s) => s.role === 'owner')!;
    const page = await (await newContext(e2e.browser)).newPage();
    await signIn(page, e2e.server.baseUrl, owner.email, owner.password);
    for (const path of ['/credit-history', '/usage', '/plan-usage', '/statements', '/invoices', '/allocations', '/my-credits', '/billing/alerts', '/audit']) {
      const started = performance.now();
      await page.goto(`${e2e.server.baseUrl}${path}`);
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      await settled(page);
      timings.push(`${path} ${Math.round(performance.now() - started)} ms`);
      expect(await page.locator('[data-state="error"]').count(), path).toBe(0);
    }
    await page.goto(`${e2e.server.baseUrl}/credit-history`);
    const balance = await e2e.server.call<Balance>('GET', `/v1/orgs/${DEMO_ORG}/balance`);
    await expect
      .poll(() => page.getByTestId('card-current-balance').getByTestId('figure').textContent())
      .toBe(formatCredits(balance.available, 'en-US'));
  });
});
