import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import { billingEmails } from '../members/index.js';

/** Who gets alert emails: the organization's owners and billing admins, plus the addresses set with the thresholds. */
export async function alertRecipients(q: Q, orgId: string): Promise<string[]> {
  const [settings] = await rows<{ emails: string[] }>(q, sql`select emails from alert_settings where org_id = ${orgId}`);
  const people = await billingEmails(q, orgId);
  return [...new Set([...people, ...(settings?.emails ?? [])])];
}
