import { roleMay } from '../../src/domain/policy.js';
import type { Role } from '../../src/client/index.js';

/**
 * What each role may open, read from the server's own policy table (src/domain/policy.ts): the server
 * refuses anyway; this only decides what to show.
 */
export const may = {
  /** grants, grant ledgers, historical usage events, invoices, purchases */
  billing: (role: Role) => roleMay(role, 'grants.read') && roleMay(role, 'invoices.read'),
  /** balance, usage analytics, plan usage, statements and exports */
  oversee: (role: Role) => roleMay(role, 'usage.read') && roleMay(role, 'statements.read'),
};

export const ROLE_LABEL: Record<Role, string> = {
  owner: 'Owner',
  billing_admin: 'Billing admin',
  manager: 'Manager',
  member: 'Member',
};

/** The first page a role may open, where it lands (a member on My credits, not on a padlock). */
export function homeOf(role: Role): string {
  if (may.billing(role)) return '/credit-history';
  if (may.oversee(role)) return '/usage';
  return '/my-credits';
}
