import type { Q } from '../../db/client.js';
import {billingEmails} from '../members/index.js';
import { findAlertEmails } from './queries.js';

/** Who gets alert emails: the organization's owners and billing admins, plus the addresses set with the thresholds. */
export async function alertRecipients(q: Q, orgId: string): Promise<string[]> {
  const emails = await findAlertEmails(q, orgId);
  const people = await billingEmails(q, orgId);
  return [...new Set([...people, ...emails])];
}
