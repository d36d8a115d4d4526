import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { CostsOut } from '../../src/modules/costs/routes.js';
import type { ForecastOut } from '../../src/modules/forecast/routes.js';
import { formatAmount, formatDay } from '../../web/src/format.js';
import { testDatabases } from '../helpers/db.js';
import { hasChromium, launch, newContext, screenshot, seed, settled, signIn, startServer, type Seeded, type Server } from './harness.js';

type Forecast = z.output<typeof ForecastOut>;
type Costs = z.output<typeof CostsOut>;

/** The runway card, the projected period card and the Cost tracking page show the figures the API computes. */
describe.skipIf(!hasChromium)('forecast and cost tracking in the dashboard', () => {
  let server: Server;
  let data: Seeded;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServer(testDatabases[0]!);
    data = await seed(server);
    browser = await launch();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the runway, the projected period total and the costs to an owner', async () => {
    const forecast = await server.call<Forecast>('GET', `/v1/orgs/${data.orgId}/forecast`);
    const page = await (await newContext(browser)).newPage();
    await signIn(page, server.baseUrl, data.members.owner.email);
    await page.goto(`${server.baseUrl}/credit-history`);
    await settled(page);
    const sentence = await page.getByTestId('runway-sentence').textContent();
    expect(sentence).toBe(
      forecast.run_out_date
        ? `At the current pace, credits run out on ${formatDay(forecast.run_out_date, 'en-US')}.`
        : `At the current pace, credits last beyond ${formatDay(forecast.days[forecast.days.length - 1]!.date, 'en-US')}.`,
    );
    await page.getByTestId('balance-forecast-chart').waitFor();
    await screenshot(page, 'credit-history-forecast');

    await page.goto(`${server.baseUrl}/usage`);
    await settled(page);
    expect(await page.getByTestId('figure-projected-period').textContent()).toContain(formatAmount(forecast.period.projected_total, 'en-US'));

    await page.goto(`${server.baseUrl}/costs`);
    await settled(page);
    const today = await page.locator('input[type="date"]').nth(1).inputValue();
    const from = await page.locator('input[type="date"]').nth(0).inputValue();
    const costs = await server.call<Costs>('GET', `/v1/orgs/${data.orgId}/costs?from=${from}&to=${today}&by=meter&interval=day`);
    expect(await page.getByTestId('costs-conversion').textContent()).toContain('1 USD = 10 credits');
    expect(await page.getByTestId('costs-table').locator('tbody tr').count()).toBe(costs.breakdown.length);
    const download = page.waitForEvent('download');
    await page.getByTestId('costs-csv').click();
    expect((await download).suggestedFilename()).toMatch(/^costs-.*\.csv$/);
    await screenshot(page, 'cost-tracking');
  });

  it('keeps Cost tracking out of a member’s navigation', async () => {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, server.baseUrl, data.members.member.email);
    expect(await page.getByRole('link', { name: 'Cost tracking' }).count()).toBe(0);
  });
});
