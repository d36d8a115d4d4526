import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { CostsOut } from '../../src/modules/costs/routes.js';
import type { ForecastOut } from '../../src/modules/forecast/routes.js';
import { formatCredits, formatDay } from '../../web/src/format.js';
import { testDatabases } from '../helpers/db.js';
import { hasChromium, newContext, screenshot, settled, signIn, useE2e } from './harness.js';

type Forecast = z.output<typeof ForecastOut>;
type Costs = z.output<typeof CostsOut>;

/** The runway card, the projected period card and the Cost tracking page show the figures the API computes. */
describe.skipIf(!hasChromium)('forecast and cost tracking in the dashboard', () => {
  const e2e = useE2e(testDatabases[0]!);

  it('shows the runway, the projected period total and the costs to an owner', async () => {
    const forecast = await e2e.server.call<Forecast>('GET', `/v1/orgs/${e2e.data.orgId}/forecast`);
    const page = await (await newContext(e2e.browser)).newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await page.goto(`${e2e.server.baseUrl}/credit-history`);
    await settled(page);
    const sentence = await page.getByTestId('runway-sentence').textContent();
    expect(sentence).toBe(
      forecast.run_out_date
        ? `At the current pace, credits run out on ${formatDay(forecast.run_out_date, 'en-US')}.`
        : `At the current pace, credits last beyond ${formatDay(forecast.days[forecast.days.length - 1]!.date, 'en-US')}.`,
    );
    await page.getByTestId('balance-forecast-chart').waitFor();
    await screenshot(page, 'credit-history-forecast');

    await page.goto(`${e2e.server.baseUrl}/usage`);
    await settled(page);
    expect(await page.getByTestId('figure-projected-period').textContent()).toContain(formatCredits(forecast.period.projected_total, 'en-US'));

    await page.goto(`${e2e.server.baseUrl}/costs`);
    await settled(page);
    const today = await page.locator('input[type="date"]').nth(1).inputValue();
    const from = await page.locator('input[type="date"]').nth(0).inputValue();
    const costs = await e2e.server.call<Costs>('GET', `/v1/orgs/${e2e.data.orgId}/costs?from=${from}&to=${today}&by=meter&interval=day`);
    expect(await page.getByTestId('costs-conversion').textContent()).toContain('1 USD = 10 credits');
    expect(await page.getByTestId('costs-table').locator('tbody tr').count()).toBe(costs.breakdown.length);
    // by user: the member's name, never the id (the id stays as a title)
    const byUser = await e2e.server.call<Costs>('GET', `/v1/orgs/${e2e.data.orgId}/costs?from=${from}&to=${today}&by=user&interval=day`);
    await page.getByText('User', { exact: true }).click();
    const names = new Map(Object.values(e2e.data.members).map((m) => [m.id, m.name]));
    const firstCells = () => page.getByTestId('costs-table').locator('tbody tr td:first-child').allTextContents();
    await expect.poll(firstCells).toEqual(byUser.breakdown.map((r) => (r.key === null ? '(none)' : (names.get(r.key) ?? r.key))));
    expect(await firstCells()).toContain(e2e.data.members.member.name);
    const download = page.waitForEvent('download');
    await page.getByTestId('costs-csv').click();
    expect((await download).suggestedFilename()).toMatch(/^costs-.*\.csv$/);
    await screenshot(page, 'cost-tracking');
  });

  it('keeps Cost tracking out of a member’s navigation', async () => {
    const page = await (await newContext(e2e.browser)).newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.member.email);
    expect(await page.getByRole('link', { name: 'Cost tracking' }).count()).toBe(0);
  });
});
