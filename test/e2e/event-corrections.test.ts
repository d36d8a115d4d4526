import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { UsageEvent } from '../../src/client/index.js';
import { formatAmount, formatCredits, formatDateTime } from '../../web/src/format.js';
import { testDatabases } from '../helpers/db.js';
import { hasChromium, newContext, revealAll, screenshot, settled, signIn, useE2e } from './harness.js';

/** Issue 15: the events list shows a voided and an amended event as such, with who corrected them and when. */
const TZ = 'America/New_York';
const en = (v: string) => formatAmount(v, 'en-US');
/** a credits column: two decimals */
const shown = (v: string) => formatCredits(v, 'en-US');
// ICU versions differ on the space before AM/PM
const plain = (text: string | null) => (text ?? '').replace(/[\u202f\u00a0]/g, ' ');
const when = (iso: string) => plain(formatDateTime(iso, TZ, 'en-US'));

describe.skipIf(!hasChromium).each(testDatabases)('corrected events in Chromium on $name', (target) => {
  const e2e = useE2e(target);
  const api = <T>(method: string, path: string, body?: unknown) => e2e.server.call<T>(method, `/v1/orgs/${e2e.data.orgId}${path}`, body);

  /** A change made by the signed-in person, as the dashboard makes it: session cookie plus CSRF token. */
  async function postAsSignedIn(page: Page, path: string): Promise<number> {
    return page.evaluate(async (url) => {
      const session = (await (await fetch('/v1/auth/session')).json()) as { csrf_token: string };
      return (await fetch(url, { method: 'POST', headers: { 'x-csrf-token': session.csrf_token } })).status;
    }, path);
  }

  const rowOf = (page: Page, table: string, id: string): Locator => page.getByTestId(table).locator(`[data-event="${id}"]`);

  it('marks a voided event as voided with its credits struck through, and an amended one as amended, each with who and when', async () => {
    const events = (await api<{ data: UsageEvent[] }>('GET', '/events?limit=10')).data;
    // the newest event of the manager (voided by the owner) and of the member (amended through the API)
    const voided = events.find((e) => e.user === e2e.data.members.manager.id)!;
    const amended = events.find((e) => e.user === e2e.data.members.member.id)!;
    const untouched = events.find((e) => e.id !== voided.id && e.id !== amended.id)!;

    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
    expect(await postAsSignedIn(page, `/v1/orgs/${e2e.data.orgId}/events/${voided.id}/void`)).toBe(200);
    const fixed = await api<{ event: UsageEvent }>('POST', `/events/${amended.id}/amend`, { quantity: '0.5' });
    const voidedNow = (await api<{ data: UsageEvent[] }>('GET', '/events?limit=10')).data.find((e) => e.id === voided.id)!;
    expect(voidedNow.status).toBe('voided');

    await page.goto(`${e2e.server.baseUrl}/usage`);
    await settled(page);
    await revealAll(page);

    // The voided event is still listed, reads "Voided", its credits struck through, and says who voided it and when.
    const v = rowOf(page, 'events-table', voided.id);
    await expect.poll(() => v.getByTestId('event-status').getAttribute('data-status')).toBe('voided');
    expect(await v.getByTestId('event-status').locator('.mantine-Badge-label').textContent()).toBe('Voided');
    expect(plain(await v.getByTestId('event-history').textContent())).toBe(`Voided by Olivia Owner on ${when(voidedNow.corrections[0]!.at)}`);
    const credits = v.getByTestId('event-credits');
    expect(await credits.textContent()).toBe(`${shown(voided.cost_credits)} (voided, returned)`);
    const decoration = (el: unknown) => (globalThis as unknown as { getComputedStyle(e: unknown): { textDecorationLine: string } }).getComputedStyle(el).textDecorationLine;
    expect(await credits.locator('[title^="Voided"]').evaluate(decoration)).toBe('line-through');

    // The amended event shows its new credits, "Amended", who, when and what changed.
    const a = rowOf(page, 'events-table', amended.id);
    expect(await a.getByTestId('event-status').locator('.mantine-Badge-label').textContent()).toBe('Amended');
    expect(await a.getByTestId('event-credits').textContent()).toBe(shown(fixed.event.cost_credits));
    const history = plain(await a.getByTestId('event-history').textContent());
    expect(history).toContain(`Amended by the platform operator on ${when(fixed.event.corrections[0]!.at)}`);
    expect(history).toContain(`Quantity: ${en(amended.quantity)} → 0.5`);
    expect(history).toContain(`Credits: ${en(amended.cost_credits)} → ${en(fixed.event.cost_credits)}`);

    // An event never corrected reads as the original record, with no history.
    const u = rowOf(page, 'events-table', untouched.id);
    expect(await u.getByTestId('event-status').textContent()).toBe('Original');
    expect(await u.getByTestId('event-history').count()).toBe(0);
    await v.scrollIntoViewIfNeeded();
    await screenshot(page, 'usage-events-corrected');
    await context.close();

    // The member sees their own amended event the same way on My credits.
    const own = await newContext(e2e.browser);
    const mine = await own.newPage();
    await signIn(mine, e2e.server.baseUrl, e2e.data.members.member.email);
    await mine.goto(`${e2e.server.baseUrl}/my-credits`);
    await settled(mine);
    await revealAll(mine);
    const m = rowOf(mine, 'my-events-table', amended.id);
    await expect.poll(() => m.getByTestId('event-status').getAttribute('data-status')).toBe('amended');
    expect(plain(await m.getByTestId('event-history').textContent())).toContain(`Amended by the platform operator on ${when(fixed.event.corrections[0]!.at)}`);
    await own.close();
  }, 180_000);
});
