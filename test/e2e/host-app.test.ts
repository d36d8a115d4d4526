import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostApp } from '../../examples/host-app/app.js';
import { testDatabases } from '../helpers/db.js';
import { hasChromium, newContext, screenshot, useE2e } from './harness.js';

/**
 * Issue 17: the example platform app (examples/host-app) against a real Tally server, in Chromium:
 * a job checked, held and captured with the generated client, its usage sent as a CloudEvent, the
 * dashboard embedded for the signed-in user, and a Tally webhook received and verified.
 * The host app is opened as http://localhost:<port> and Tally runs on 127.0.0.1: two sites, so the
 * dashboard is a third-party frame, as on a platform's own domain; the organization allows that origin.
 */
describe.skipIf(!hasChromium).each(testDatabases)('example host app in Chromium on $name', (target) => {
  const e2e = useE2e(target, { seed: false });
  let host: Awaited<ReturnType<typeof startHostApp>>;
  const options = { webhookSecret: undefined as string | undefined };
  let org: string;

  beforeAll(async () => {
    org = (await e2e.server.call<{ id: string }>('POST', '/v1/orgs', { name: 'Acme Notebooks customer', timezone: 'UTC', credit_factor: '1' })).id;
    // The CloudEvent records what a job consumed; the job is charged by its hold's capture, so this meter is priced at 0.
    await e2e.server.call('PUT', '/v1/meters/notebook_tokens', {
      name: 'Notebook tokens',
      unit: 'tokens',
      category: 'notebooks',
      aggregation: 'sum',
      unit_price: '0',
      price_currency: 'credits',
      value_path: '$.tokens',
    });
    await e2e.server.call('PATCH', `/v1/orgs/${org}/groups/grp_default`, { monthly_allocation: '100' });
    await e2e.server.call('POST', `/v1/orgs/${org}/members`, { id: 'dev1', email: 'dev1@acme.test', name: 'Dev One', role: 'member', monthly: '50' });
    await e2e.server.call('POST', `/v1/orgs/${org}/grants`, { name: 'Plan credits', source: 'included', amount: '100' });
    host = await startHostApp({
      tallyUrl: e2e.server.baseUrl,
      tallyKey: (await import('../helpers/app.js')).PLATFORM_KEY,
      org,
      user: { id: 'dev1', name: 'Dev One' },
      get webhookSecret() {
        return options.webhookSecret;
      },
    });
    const endpoint = await e2e.server.call<{ secret: string }>('POST', `/v1/orgs/${org}/webhooks`, { url: `${host.url}/webhooks/tally`, events: ['grant.created'] });
    options.webhookSecret = endpoint.secret;
  });

  afterAll(async () => {
    await host?.close();
  });

  it('runs a job: check, hold, capture, and its usage as a CloudEvent', async () => {
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await page.goto(host.url);
    await page.getByLabel('Tokens the job will use').fill('12500');
    await page.getByRole('button', { name: 'Run notebook' }).click();
    const result = await page.getByTestId('job-result').textContent();
    expect(result).toMatch(/^Job job-\w+ done: held 20, captured 12\.5 credits; usage event accepted\.$/);
    const balance = await e2e.server.call<{ available: string; held: string }>('GET', `/v1/orgs/${org}/balance`);
    expect(balance).toMatchObject({ available: '87.5', held: '0' });
    const events = await e2e.server.call<{ data: { id: string; meter: string; quantity: string; user: string }[] }>('GET', `/v1/orgs/${org}/events`);
    expect(events.data).toEqual([expect.objectContaining({ meter: 'notebook_tokens', quantity: '12500', user: 'dev1' })]);
    expect(events.data[0]!.id).toMatch(/^acme-notebooks#job-/);
    await screenshot(page, 'host-app-job');
    await context.close();
  });

  it('embeds the dashboard for the signed-in user with an embed link', async () => {
    // another site than Tally's, allowed to frame this organization (embed_origins, docs/embedding.md)
    const hostSite = host.url.replace('127.0.0.1', 'localhost');
    await e2e.server.call('PATCH', `/v1/orgs/${org}`, { embed_origins: [hostSite] });
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await page.goto(`${hostSite}/billing`);
    expect(await page.locator(`script[src="${e2e.server.baseUrl}/embed.js"]`).count()).toBe(1);
    const frame = page.frameLocator('[data-testid="tally-embed"]');
    await frame.getByTestId('profile-menu').waitFor({ timeout: 30_000 });
    expect(await frame.getByTestId('profile-menu').textContent()).toContain('Dev One');
    await screenshot(page, 'host-app-embed');
    await context.close();
  });

  it('receives Tally webhooks and verifies their signature', async () => {
    await e2e.server.call('POST', `/v1/orgs/${org}/grants`, { name: 'Top-up', source: 'purchased', amount: '40' });
    await e2e.server.runJobs();
    await expect.poll(() => host.received.map((w) => w.type)).toContain('grant.created');
    const got = host.received.find((w) => w.type === 'grant.created')!;
    expect(got.data).toMatchObject({ grant: { name: 'Top-up', amount: '40' } });
    // A forged delivery is refused.
    const forged = await fetch(`${host.url}/webhooks/tally`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,Zm9yZ2Vk' },
      body: JSON.stringify({ type: 'grant.created', data: {} }),
    });
    expect(forged.status).toBe(400);
  });
});
