import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';

/** Finds the email addresses of an organization's owners and billing admins. */
export type RoleRecipients = (q: Q, orgId: string) => Promise<string[]>;

// Tally's core has no people with addresses yet (API keys carry roles, not
// emails); the members module plugs its lookup in here when it exists.
let roleRecipients: RoleRecipients | null = null;

export function setRoleRecipients(source: RoleRecipients | null): void {
  roleRecipients = source;
}

/** Who gets alert emails: owners and billing admins, plus the addresses set with the thresholds. */
export async function alertRecipients(q: Q, orgId: string): Promise<string[]> {
  const [settings] = await rows<{ emails: string[] }>(q, sql`select emails from alert_settings where org_id = ${orgId}`);
  const people = roleRecipients ? await roleRecipients(q, orgId) : [];
  return [...new Set([...people, ...(settings?.emails ?? [])])];
}
