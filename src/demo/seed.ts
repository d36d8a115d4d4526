import type { AppContext } from '../context.js';

/** Placeholder replaced below in this same change; see seedDemoIfEmpty. */
export async function seedDemoIfEmpty(_ctx: AppContext): Promise<{ orgId: string } | null> {
  return null;
}
