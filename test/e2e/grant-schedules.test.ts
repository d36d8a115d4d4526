import { describe, expect, it } from 'vitest';
import type { Grant } from '../../src/client/index.js';
import { formatDate } from '../../web/src/format.js';
import { testDatabases } from '../helpers/db.js';
import { hasChromium, newContext, screenshot, settled, signIn, useE2e } from './harness.js';

const DAY = 24 * 60 * 60 * 1000;

describe.skipIf(!hasChromium).each(testDatabases)('recurring grants in Chromium on $name', (target) => {
  const e2e = useE2e(target);
  const api = <T>(method: string, path: string, body?: unknown) => e2e.server.call<T>(method, `/v1/orgs/${e2e.data.orgId}${path}`, body);

  it('shows schedules on Credit history and the rolled-over block in the expired grant’s Grants tab', async () => {
    type Schedule = { id: string; next_issue_at: string; issued: { grant_id: string; rollover_grant_id: string | null }[] };
    const created = await api<Schedule>('POST', '/grant-schedules', {
      name: 'Team plan',
      source: 'included',
      amount: '2000',
      cadence: 'calendar_month',
      priority: 1,
      rollover: { max_amount: '300', max_percent: 10, expires_after: '2w' },
    });
    const first = created.issued[0]!.grant_id;
    // The next month begins: the first grant expires unused and 10% of it (200, under the 300 cap) rolls over.
    e2e.server.clock.set(new Date(new Date(created.next_issue_at).getTime() + DAY));
    await e2e.server.runJobs();
    const schedule = await api<Schedule>('GET', `/grant-schedules/${created.id}`);
    expect(schedule.issued).toHaveLength(2);
    const rolloverId = schedule.issued[0]!.rollover_grant_id!;
    const rolled = await api<Grant>('GET', `/grants/${rolloverId}`);
    expect(rolled.amount).toBe('200');

    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    await page.goto(`${e2e.server.baseUrl}/credit-history`);
    await settled(page);
    const row = page.getByTestId('grant-schedules').locator(`[data-schedule="${created.id}"]`);
    await expect.poll(() => row.getByTestId('next-issue').textContent()).toBe(formatDate(schedule.next_issue_at, 'America/New_York', 'en-US'));
    const text = await row.textContent();
    expect(text).toContain('Team plan');
    expect(text).toContain('Every month');
    expect(text).toContain('2,000');
    expect(text).toContain('Up to 300 credits or 10% of the grant (whichever is less) rolls over, for 2 weeks');
    await screenshot(page, 'credit-history-schedules');

    await page.goto(`${e2e.server.baseUrl}/credit-history/${first}`);
    await page.getByRole('tab', { name: 'Grants' }).click();
    await settled(page);
    const blocks = page.getByTestId('rolled-over-blocks');
    await expect.poll(() => blocks.textContent()).toContain('Rolled over into Team plan (rolled over)');
    expect(await blocks.locator('tbody tr').count()).toBe(1);
    expect(await blocks.locator('tbody tr').textContent()).toContain('200');
    await screenshot(page, 'grant-rolled-over');
    await context.close();
  }, 180_000);
});
