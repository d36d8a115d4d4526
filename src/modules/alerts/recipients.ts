import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';

/** Who gets alert emails: the organization's owners and billing admins, plus the addresses set with the thresholds. */
export async function alertRecipients(q: Q, orgId: string): Promise<string[]> {
  const [settings] = await rows<{ emails: string[] }>(q, sql`select emails from alert_settings where org_id = ${orgId}`);
  const people = await rows<{ email: string }>(
    q,
    sql`select email from members where org_id = ${orgId} and role in ('owner', 'billing_admin') order by email`,
  );
  return [...new Set([...people.map((p) => p.email), ...(settings?.emails ?? [])])];
}
