import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AllocGroup, AllocationOverview, CreditRequest, Cycle, Member, OrgSettings, Page as ApiPage, UsageEvent } from '../../src/client/index.js';
import { formatCredits, formatDateTime } from '../../web/src/format.js';
import { testDatabases } from '../helpers/db.js';
import { hasChromium, newContext, screenshot, settled, signIn, type Seeded, type Server, useE2e } from './harness.js';

const en = (value: string) => formatCredits(value, 'en-US');

/** Groups, people in them, allocations, and credit requests in every status, all through the API. */
async function seedAllocations(server: Server, data: Seeded) {
  const org = `/v1/orgs/${data.orgId}`;
  const groups = await server.call<{ data: AllocGroup[] }>('GET', `${org}/groups`);
  const defaultGroup = groups.data.find((g) => g.is_default)!;
  await server.call('PATCH', `${org}/groups/${defaultGroup.id}`, { monthly_allocation: '5000', extra: '250', auto_approve_reserve: '100' });
  const research = await server.call<AllocGroup>('POST', `${org}/groups`, { name: 'Research', monthly_allocation: '2000' });
  // The manager manages Research only; two people work there.
  await server.call('PATCH', `${org}/members/${data.members.manager.id}`, { managed_group_ids: [research.id] });
  await server.call('POST', `${org}/members`, { id: 'm_rita', email: 'rita@northwind.test', name: 'Rita Researcher', group_id: research.id, monthly: '400' });
  await server.call('POST', `${org}/members`, { id: 'm_ron', email: 'ron@northwind.test', name: 'Ron Researcher', group_id: research.id });
  // Enough people in Default for a second page of members.
  const names = ['Ada', 'Ben', 'Cleo', 'Dan', 'Eve', 'Finn', 'Gus', 'Hana', 'Ivo', 'Jade', 'Zed'];
  for (const [i, name] of names.entries()) {
    await server.call('POST', `${org}/members`, {
      id: `m_${name.toLowerCase()}`,
      email: `${name.toLowerCase()}@northwind.test`,
      name: `${name} Default`,
      ...(i % 3 === 0 ? { monthly: '300' } : {}),
    });
  }
  await server.call('PATCH', `${org}/settings`, { credits_per_cycle: '20000' });
  const request = (member: string, amount: string, reason: string) =>
    server.call<CreditRequest>('POST', `${org}/requests`, { member, amount, reason });
  const auto = await request('m_ada', '50', 'Small top-up for a demo');
  const toApprove = await request('m_ben', '600', 'Quarterly training run');
  const toDeny = await request('m_cleo', '900', 'Large batch job');
  await server.call('POST', `${org}/requests/${toApprove.id}/approve`, { amount: '400', note: 'Approved in part' });
  await server.call('POST', `${org}/requests/${toDeny.id}/deny`, { note: 'Not this cycle' });
  const pendingA = await request('m_dan', '700', 'Fine-tuning experiment');
  const pendingB = await request('m_eve', '800', 'Evaluation sweep');
  const pendingC = await request(data.members.member.id, '120', 'Notebook work');
  return { defaultGroup, research, auto, pendingA, pendingB, pendingC };
}

const texts = (page: Page, selector: string, attribute: string) => page.locator(selector).evaluateAll((els, a) => els.map((e) => e.getAttribute(a)), attribute);

// These run in the page: the browser's globals, typed without the DOM library.
type Browserish = { getComputedStyle(el: unknown): Record<string, string>; document: { activeElement: unknown } };
const computed = (locator: ReturnType<Page['locator']>, prop: string) =>
  locator.evaluate((el, p) => (globalThis as unknown as Browserish).getComputedStyle(el)[p]!, prop);
const focused = (locator: ReturnType<Page['locator']>) => locator.evaluate((el) => el === (globalThis as unknown as Browserish).document.activeElement);

async function pickOption(page: Page, input: ReturnType<Page['getByTestId']>, option: string) {
  await input.click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

describe.skipIf(!hasChromium).each(testDatabases)('Credits & Allocations in Chromium on $name', (target) => {
  const e2e = useE2e(target);
  let extra: Awaited<ReturnType<typeof seedAllocations>>;
  const api = <T>(path: string) => e2e.server.call<T>('GET', `/v1/orgs/${e2e.data.orgId}${path}`);

  beforeAll(async () => {
    extra = await seedAllocations(e2e.server, e2e.data);
  });

  it('walks the reference document: overview, allocations, requests and settings, every figure from the API', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);

    // Finance → Credits & Allocations → the Overview.
    const finance = page.getByTestId('nav-finance');
    await finance.waitFor();
    await page.getByRole('link', { name: 'Credits & Allocations' }).click();
    await page.waitForURL(/\/allocations/);
    await settled(page);
    const overview = await api<AllocationOverview>('/allocations');
    await expect.poll(() => page.getByTestId('card-balance').getByTestId('figure').textContent()).toBe(en(overview.balance));
    expect(await page.getByTestId('cycle-cadence').textContent()).toBe('Calendar month');
    expect(await page.getByTestId('card-usage').getByTestId('figure').textContent()).toBe(`${overview.cycle.usage_pct}%`);
    expect(await page.getByTestId('cycle-left').textContent()).toMatch(/left$/);
    expect(await texts(page, '[data-testid="overview-table"] [data-group]', 'data-group')).toEqual(
      [...overview.groups].sort((a, b) => a.name.localeCompare(b.name)).map((g) => g.id),
    );
    for (const g of overview.groups) {
      const row = page.getByTestId('overview-table').locator(`[data-group="${g.id}"]`);
      expect(await row.locator('[data-col="available"]').textContent()).toBe(en(g.available));
      expect(await row.locator('[data-col="distributed"]').textContent()).toBe(en(g.distributed));
    }
    await expect.poll(() => page.locator('.recharts-surface').count()).toBeGreaterThan(0);
    // The table sorts by a column header (descending on the second press).
    await page.getByTestId('overview-table').getByRole('button', { name: 'Members' }).click();
    await page.getByTestId('overview-table').getByRole('button', { name: 'Members' }).click();
    expect(await texts(page, '[data-testid="overview-table"] [data-group]', 'data-group')).toEqual(
      [...overview.groups].sort((a, b) => b.members - a.members).map((g) => g.id),
    );
    expect(await page.getByTestId('overview-table').locator('th[aria-sort="descending"]').textContent()).toBe('Members');
    await screenshot(page, 'allocations-overview');

    // Allocations, back to Overview, and Allocations again.
    await page.getByRole('tab', { name: 'Allocations' }).click();
    await page.getByTestId('groups-table').waitFor();
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.getByTestId('card-balance').waitFor();
    await page.getByRole('tab', { name: 'Allocations' }).click();
    await settled(page);

    // The groups table shows each group's figures.
    const groups = await api<{ data: AllocGroup[] }>('/groups');
    const defaultRow = page.locator(`[data-group="${extra.defaultGroup.id}"]`);
    const before = groups.data.find((g) => g.is_default)!;
    await expect.poll(() => defaultRow.getByTestId('group-available').textContent()).toBe(en(before.available));
    expect(await defaultRow.getByTestId('group-distributed').textContent()).toBe(en(before.distributed));
    expect(await defaultRow.getByTestId('group-members').textContent()).toBe(String(before.members));
    expect(await defaultRow.getByTestId('group-monthly_allocation').textContent()).toBe(en(before.monthly_allocation));
    expect(await defaultRow.getByTestId('group-extra').textContent()).toBe(en(before.extra));
    expect(await defaultRow.getByTestId('group-auto_approve_reserve').textContent()).toBe(en(before.auto_approve_reserve));

    // Expand Default: its first page of members, and how many are shown.
    await page.getByRole('button', { name: 'Expand Default' }).click();
    await settled(page);
    const firstPage = await api<ApiPage<Member>>(`/members?group=${extra.defaultGroup.id}&limit=10`);
    await expect.poll(() => texts(page, '[data-testid="members-table"] [data-member]', 'data-member')).toEqual(firstPage.data.map((m) => m.id));
    expect(await page.getByTestId('members-shown').textContent()).toBe(`Showing 1–10 of ${before.members} members`);
    expect(firstPage.next_cursor).not.toBeNull();
    await page.getByRole('button', { name: 'Next' }).first().click();
    const secondPage = await api<ApiPage<Member>>(`/members?group=${extra.defaultGroup.id}&limit=10&cursor=${encodeURIComponent(firstPage.next_cursor!)}`);
    await expect.poll(() => texts(page, '[data-testid="members-table"] [data-member]', 'data-member')).toEqual(secondPage.data.map((m) => m.id));
    expect(await page.getByTestId('members-shown').textContent()).toBe(`Showing 11–${10 + secondPage.data.length} of ${before.members} members`);

    // Search members in Default (on the e2e.server).
    await page.getByPlaceholder('Search members in Default…').fill('zed');
    const found = await api<ApiPage<Member>>(`/members?group=${extra.defaultGroup.id}&search=zed&limit=10`);
    expect(found.data.map((m) => m.id)).toEqual(['m_zed']);
    await expect.poll(() => texts(page, '[data-testid="members-table"] [data-member]', 'data-member')).toEqual(['m_zed']);
    expect(await page.getByTestId('members-shown').textContent()).toBe('Showing 1–1 matching members');
    const zedRow = page.locator('[data-member="m_zed"]');
    await zedRow.click();
    expect(await zedRow.getAttribute('aria-selected')).toBe('true');
    const zed = await api<Member>('/members/m_zed');
    expect(await zedRow.getByTestId('member-used').textContent()).toBe(en(zed.used));
    expect(await zedRow.getByTestId('member-remaining').textContent()).toBe(en(zed.remaining));
    expect(await zedRow.getByTestId('member-monthly').textContent()).toBe(zed.monthly === null ? 'Group pool' : en(zed.monthly));

    // Click the Monthly cell, type, see Unsaved, press the save icon in Actions.
    await zedRow.getByTestId('member-monthly').click();
    const input = zedRow.getByTestId('member-monthly-input');
    const border = await computed(input, 'borderTopWidth');
    expect(border).toBe('2px');
    await input.fill('750');
    await expect.poll(() => zedRow.getByTestId('unsaved').count()).toBe(1);
    await screenshot(page, 'allocations-unsaved');
    await zedRow.getByRole('button', { name: 'Save Zed Default' }).click();
    await page.getByTestId('saved-banner').waitFor();
    await expect.poll(() => zedRow.getByTestId('unsaved').count()).toBe(0);
    const after = (await api<{ data: AllocGroup[] }>('/groups')).data.find((g) => g.is_default)!;
    expect((await api<Member>('/members/m_zed')).monthly).toBe('750');
    expect(after.distributed).not.toBe(before.distributed);
    await expect.poll(() => defaultRow.getByTestId('group-distributed').textContent()).toBe(en(after.distributed));
    expect(await defaultRow.getByTestId('group-available').textContent()).toBe(en(after.available));
    await expect.poll(() => zedRow.getByTestId('member-monthly').textContent()).toBe(en('750'));
    await screenshot(page, 'allocations-saved');

    // A save the API refuses shows its sentence and keeps the edit.
    await zedRow.getByTestId('member-monthly').click();
    await zedRow.getByTestId('member-monthly-input').fill('999999');
    await zedRow.getByRole('button', { name: 'Save Zed Default' }).click();
    await page.getByTestId('refused-banner').waitFor();
    // The same change through the API is refused with the sentence the page shows.
    const refusal = await e2e.server.call('PATCH', `/v1/orgs/${e2e.data.orgId}/members/m_zed`, { monthly: '999999' }).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(refusal).not.toBeNull();
    const sentence = (JSON.parse(refusal!.slice(refusal!.indexOf('{'))) as { error: { message: string } }).error.message;
    expect(await page.getByTestId('refused-banner').textContent()).toContain(sentence);
    expect(await zedRow.getByTestId('member-monthly-input').inputValue()).toBe('999999');
    expect(await zedRow.getByTestId('unsaved').count()).toBe(1);
    expect((await api<Member>('/members/m_zed')).monthly).toBe('750');
    await zedRow.getByRole('button', { name: 'Discard changes to Zed Default' }).click();

    // The keyboard does the same: Enter opens the Extra cell, Enter in it saves.
    await zedRow.getByRole('button', { name: 'Edit Extra of Zed Default' }).focus();
    await page.keyboard.press('Enter');
    const extraInput = zedRow.getByRole('textbox', { name: 'Extra of Zed Default' });
    await expect.poll(() => focused(extraInput)).toBe(true);
    await extraInput.fill('40');
    await extraInput.press('Enter');
    await expect.poll(async () => (await api<Member>('/members/m_zed')).extra).toBe('40');
    await expect.poll(() => zedRow.getByTestId('member-extra').textContent()).toBe(en('40'));
    const afterExtra = (await api<{ data: AllocGroup[] }>('/groups')).data.find((g) => g.is_default)!;
    await expect.poll(() => defaultRow.getByTestId('group-distributed').textContent()).toBe(en(afterExtra.distributed));

    // Requests: every status of the filter shows the API's rows.
    await page.getByRole('tab', { name: 'Requests' }).click();
    await settled(page);
    const filter = page.getByTestId('status-filter');
    for (const [label, status] of [
      ['Pending', 'pending'],
      ['Approved', 'approved'],
      ['Denied', 'denied'],
      ['Auto-Approved', 'auto_approved'],
      ['All Statuses', undefined],
    ] as const) {
      await pickOption(page, filter, label);
      await settled(page);
      const expected = await api<ApiPage<CreditRequest>>(`/requests?limit=20${status ? `&status=${status}` : ''}`);
      expect(expected.data.length).toBeGreaterThan(0);
      await expect.poll(() => texts(page, '[data-request]', 'data-request')).toEqual(expected.data.map((r) => r.id));
      const badges = await page.locator('[data-request] [data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
      expect(badges).toEqual(expected.data.map((r) => r.status));
      if (status === 'approved') {
        const approved = expected.data[0]!;
        const row = page.locator(`[data-request="${approved.id}"]`);
        expect(await row.getByTestId('request-approved').textContent()).toBe(en(approved.approved_amount!));
      }
      await screenshot(page, `allocations-requests-${status ?? 'all'}`);
    }
    // The status badges: green Approved, red Denied.
    const badgeColor = (status: string) => computed(page.locator(`[data-status="${status}"]`).first(), 'color');
    const [green, red] = [await badgeColor('approved'), await badgeColor('denied')];
    const rgb = (c: string) => c.match(/\d+/g)!.map(Number);
    expect(rgb(green)[1]!).toBeGreaterThan(rgb(green)[0]!);
    expect(rgb(red)[0]!).toBeGreaterThan(rgb(red)[1]!);

    // Approve one (amount defaults to the requested one, changed to less) and deny one with a note.
    const rowA = page.locator(`[data-request="${extra.pendingA.id}"]`);
    await rowA.click();
    const amount = rowA.getByLabel('Amount to approve');
    expect(await amount.inputValue()).toBe(extra.pendingA.amount);
    await amount.fill('500');
    await rowA.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('decided-banner').waitFor();
    const approvedA = (await api<ApiPage<CreditRequest>>('/requests?status=approved&limit=50')).data.find((r) => r.id === extra.pendingA.id)!;
    expect(approvedA.approved_amount).toBe('500');
    await expect.poll(() => rowA.locator('[data-status]').getAttribute('data-status')).toBe('approved');
    const rowB = page.locator(`[data-request="${extra.pendingB.id}"]`);
    await rowB.click();
    await rowB.getByLabel('Note').fill('Budget is spent for this cycle');
    await rowB.getByRole('button', { name: 'Deny' }).click();
    await expect.poll(() => rowB.locator('[data-status]').getAttribute('data-status')).toBe('denied');
    const deniedB = (await api<ApiPage<CreditRequest>>('/requests?status=denied&limit=50')).data.find((r) => r.id === extra.pendingB.id)!;
    expect(deniedB.note).toBe('Budget is spent for this cycle');
    expect(deniedB.approved_amount).toBeNull();

    // Settings: credits per cycle through the confirmation modal.
    await page.getByRole('tab', { name: 'Settings' }).click();
    await settled(page);
    const cycle = await api<Cycle>('/cycle');
    expect(await page.getByTestId('cycle-used-setting').textContent()).toContain(en(cycle.used));
    const perCycle = page.getByRole('textbox', { name: 'Credits per cycle' });
    expect(await perCycle.inputValue()).toBe('20000');
    await perCycle.fill('25000');
    await page.getByTestId('section-credit-limit').getByRole('button', { name: 'Save' }).click();
    const modal = page.getByRole('dialog');
    await modal.waitFor();
    expect(await modal.textContent()).toContain('takes effect immediately for the current cycle');
    await screenshot(page, 'allocations-settings-confirm');
    await modal.getByRole('button', { name: 'Cancel' }).click();
    await modal.waitFor({ state: 'hidden' });
    expect((await api<OrgSettings>('/settings')).credits_per_cycle).toBe('20000');
    await page.getByTestId('section-credit-limit').getByRole('button', { name: 'Save' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Apply change' }).click();
    await page.getByTestId('settings-saved').waitFor();
    expect((await api<OrgSettings>('/settings')).credits_per_cycle).toBe('25000');
    expect((await api<Cycle>('/cycle')).credits_per_cycle).toBe('25000');

    // Reset cycle: Cancel changes nothing; confirming starts a fresh cycle.
    const cycleBefore = await api<Cycle>('/cycle');
    await page.getByRole('button', { name: 'Reset Cycle Now' }).click();
    const resetDialog = page.getByRole('dialog');
    expect(await resetDialog.textContent()).toContain('starts a fresh cycle immediately');
    await resetDialog.getByRole('button', { name: 'Cancel' }).click();
    await resetDialog.waitFor({ state: 'hidden' });
    expect((await api<Cycle>('/cycle')).id).toBe(cycleBefore.id);
    await page.getByRole('button', { name: 'Reset Cycle Now' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reset cycle' }).click();
    await page.getByTestId('settings-saved').filter({ hasText: 'reset' }).waitFor();
    const cycleReset = await api<Cycle>('/cycle');
    expect(cycleReset.id).not.toBe(cycleBefore.id);
    expect(cycleReset.used).toBe('0');

    // Cycle cadence: the dropdown, the note, and a confirmation that a fresh cycle starts.
    expect(await page.getByTestId('section-cadence').textContent()).toContain('starts a fresh cycle');
    await pickOption(page, page.getByTestId('cadence-select'), '1 week');
    await page.getByRole('dialog').getByRole('button', { name: 'Change cadence' }).click();
    await expect.poll(() => page.getByTestId('current-cadence').textContent()).toBe('Current cadence: 1 week');
    expect((await api<OrgSettings>('/settings')).cycle_cadence).toBe('1w');
    const cycleWeek = await api<Cycle>('/cycle');
    expect(cycleWeek.cadence).toBe('1w');
    expect(cycleWeek.id).not.toBe(cycleReset.id);

    // Credit factor and credits per new user.
    const factor = page.getByRole('textbox', { name: 'Internal credit units per $1 of cost' });
    expect(await factor.inputValue()).toBe((await api<OrgSettings>('/settings')).credit_factor);
    await factor.fill('20');
    await page.getByRole('button', { name: 'Save Internal credit units per $1 of cost' }).click();
    await expect.poll(async () => (await api<OrgSettings>('/settings')).credit_factor).toBe('20');
    await page.getByRole('textbox', { name: 'Credits per new user' }).fill('15');
    await page.getByRole('button', { name: 'Save Credits per new user' }).click();
    await expect.poll(async () => (await api<OrgSettings>('/settings')).credits_per_new_user).toBe('15');
    await screenshot(page, 'allocations-settings');

    // Refresh reloads every figure: a change made elsewhere shows after pressing it.
    await page.getByRole('tab', { name: 'Overview' }).click();
    await settled(page);
    await e2e.server.call('PATCH', `/v1/orgs/${e2e.data.orgId}/groups/${extra.research.id}`, { monthly_allocation: '2600' });
    const researchRow = page.getByTestId('overview-table').locator(`[data-group="${extra.research.id}"]`);
    expect(await researchRow.locator('[data-col="monthly_allocation"]').textContent()).toBe(en('2000'));
    await page.getByTestId('refresh').click();
    await expect.poll(() => researchRow.locator('[data-col="monthly_allocation"]').textContent()).toBe(en('2600'));
    expect(await page.getByTestId('cycle-cadence').textContent()).toBe('1 week');
    await context.close();
  });

  it('a manager sees only the groups they manage, and no Settings tab', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.manager.email);
    await page.goto(`${e2e.server.baseUrl}/allocations?tab=allocations`);
    await settled(page);
    await expect.poll(() => texts(page, '[data-testid="groups-table"] [data-group]', 'data-group')).toEqual([extra.research.id]);
    // managers set spend caps for their groups and members (SPEC §3.16), so they have the Caps tab; Settings stays the owner's
    expect(await page.getByRole('tab').allTextContents()).toEqual(['Overview', 'Allocations', 'Requests', 'Caps']);
    // The group figures are not editable by a manager; their members' allocations are.
    expect(await page.getByRole('button', { name: 'Edit Monthly allocation of Research' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Expand Research' }).click();
    await settled(page);
    await expect.poll(() => texts(page, '[data-member]', 'data-member')).toEqual(
      (await api<ApiPage<Member>>(`/members?group=${extra.research.id}&limit=10`)).data.map((m) => m.id),
    );
    await screenshot(page, 'allocations-manager');
    await page.getByRole('tab', { name: 'Requests' }).click();
    await settled(page);
    // Only requests of Research members (there are none): none of Default's.
    expect(await page.locator(`[data-request="${extra.pendingC.id}"]`).count()).toBe(0);
    await context.close();
  });

  it("a member cannot reach these tabs; their own view shows their allocation, usage events and requests, and the form files one", async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.member.email);
    const nav = page.getByRole('navigation', { name: 'Dashboard pages' });
    expect(await nav.getByRole('link', { name: 'Credits & Allocations' }).count()).toBe(0);
    await page.goto(`${e2e.server.baseUrl}/allocations?tab=settings`);
    await page.waitForURL(/\/my-credits/);
    await settled(page);
    expect(await page.getByRole('tab', { name: 'Settings' }).count()).toBe(0);
    expect(await page.getByRole('tab', { name: 'Allocations' }).count()).toBe(0);

    const me = await api<Member>(`/members/${e2e.data.members.member.id}`);
    await expect.poll(() => page.getByTestId('my-remaining').getByTestId('figure').textContent()).toBe(en(me.remaining));
    expect(await page.getByTestId('my-used').getByTestId('figure').textContent()).toBe(en(me.used));
    expect(await page.getByTestId('my-extra').getByTestId('figure').textContent()).toBe(en(me.extra));
    expect(await page.getByTestId('my-monthly').getByTestId('figure').textContent()).toBe(me.monthly === null ? 'Group pool' : en(me.monthly));
    await expect.poll(() => texts(page, '[data-testid="my-requests-table"] [data-request]', 'data-request')).toEqual([extra.pendingC.id]);

    // "Your usage": the member's own events, ten per page, exactly the API's listing for that member.
    const own = (await api<ApiPage<UsageEvent>>(`/events?user=${e2e.data.members.member.id}&limit=100`)).data;
    expect(own.length).toBeGreaterThan(10);
    const usage = page.getByTestId('my-usage');
    const shown = () => texts(page, '[data-testid="my-events-table"] [data-event]', 'data-event');
    await expect.poll(shown).toEqual(own.slice(0, 10).map((e) => e.id));
    const first = usage.locator(`[data-event="${own[0]!.id}"]`);
    expect(await first.getByTestId('event-credits').textContent()).toBe(en(own[0]!.cost_credits));
    expect(await first.getByTestId('event-time').textContent()).toBe(formatDateTime(own[0]!.timestamp, (await api<{ timezone: string }>('')).timezone, 'en-US'));
    const pager = usage.locator('[aria-label="Your usage pages"]');
    await pager.getByRole('button', { name: 'Next' }).click();
    await expect.poll(shown).toEqual(own.slice(10, 20).map((e) => e.id));
    await pager.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(shown).toEqual(own.slice(0, 10).map((e) => e.id));

    // A bad amount is refused in the form; a good one files the request.
    await page.getByRole('textbox', { name: 'Amount' }).fill('12.1234567');
    await page.getByRole('textbox', { name: 'Reason' }).fill('Report generation');
    await page.getByRole('button', { name: 'Request credits' }).click();
    await expect.poll(() => page.getByText('at most 6 decimals').count()).toBe(1);
    await page.getByRole('textbox', { name: 'Amount' }).fill('75');
    await page.getByRole('button', { name: 'Request credits' }).click();
    await page.getByTestId('request-sent').waitFor();
    const mine = (await api<ApiPage<CreditRequest>>('/requests?limit=50')).data.filter((r) => r.member === e2e.data.members.member.id);
    expect(mine.length).toBe(2);
    const filed = mine.find((r) => r.reason === 'Report generation')!;
    expect(filed.amount).toBe('75');
    await expect.poll(() => page.locator(`[data-request="${filed.id}"] [data-status]`).getAttribute('data-status')).toBe(filed.status);
    await screenshot(page, 'my-credits');
    await context.close();
  });
});
