import type { Role } from '../../src/client/index.js';

/**
 * What each role may open, mirroring the server's capabilities (src/http/auth.ts):
 * the server refuses anyway; this only decides what to show.
 */
const BILLING: readonly Role[] = ['owner', 'billing_admin'];
const OVERSIGHT: readonly Role[] = ['owner', 'billing_admin', 'manager'];

export const may = {
  /** grants, grant ledgers, historical usage events, invoices, purchases */
  billing: (role: Role) => BILLING.includes(role),
  /** balance, usage analytics, plan usage, statements and exports */
  oversee: (role: Role) => OVERSIGHT.includes(role),
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
