import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../helpers/db.js';
import { hasChromium, launch, newContext, seed, settled, signIn, startServer, type Seeded, type Server } from './harness.js';

/** Issue 11: owners see the organization's keys (name, role, member, created, last used) and revoke one. */
describe.skipIf(!hasChromium).each(testDatabases.slice(0, 1))('API keys page in Chromium on $name', (target) => {
  let server: Server;
  let data: Seeded;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer(target);
    data = await seed(server);
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('an owner sees a key with its member and revokes it; the key stops working', async () => {
    const made = await server.call<{ id: string; secret: string }>('POST', `/v1/orgs/${data.orgId}/api-keys`, {
      name: 'CI deploy key',
      role: 'manager',
      member: data.members.manager.id,
    });
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, server.baseUrl, data.members.owner.email);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.waitForURL(/\/api-keys/);
    await settled(page);
    const row = page.locator(`[data-key="${made.id}"]`);
    await expect.poll(() => row.count()).toBe(1);
    const text = await row.innerText();
    expect(text).toContain('CI deploy key');
    expect(text).toContain('Manager');
    expect(text).toContain('Never');
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.count()).toBe(0);
    const res = await fetch(`${server.baseUrl}/v1/orgs/${data.orgId}/balance`, { headers: { authorization: `Bearer ${made.secret}` } });
    expect(res.status).toBe(401);
    await context.close();
  });
});
