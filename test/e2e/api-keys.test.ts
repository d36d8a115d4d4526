import { describe, expect, it } from 'vitest';
import { testDatabases } from '../helpers/db.js';
import { hasChromium, newContext, settled, signIn, useE2e } from './harness.js';

/** Issue 11: owners see the organization's keys (name, role, member, created, last used) and revoke one. */
describe.skipIf(!hasChromium).each(testDatabases.slice(0, 1))('API keys page in Chromium on $name', (target) => {
  const e2e = useE2e(target);

  it('an owner sees a key with its member and revokes it; the key stops working', async () => {
    const made = await e2e.server.call<{ id: string; secret: string }>('POST', `/v1/orgs/${e2e.data.orgId}/api-keys`, {
      name: 'CI deploy key',
      role: 'manager',
      member: e2e.data.members.manager.id,
    });
    const context = await newContext(e2e.browser);
    const page = await context.newPage();
    await signIn(page, e2e.server.baseUrl, e2e.data.members.owner.email);
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
    const res = await fetch(`${e2e.server.baseUrl}/v1/orgs/${e2e.data.orgId}/balance`, { headers: { authorization: `Bearer ${made.secret}` } });
    expect(res.status).toBe(401);
    await context.close();
  });
});
