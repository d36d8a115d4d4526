/**
 * Who may do what: the one policy table, roles → capabilities. Pure (no I/O) so the server
 * (src/http/auth.ts, src/http/contract.ts) and the dashboard (web/src/roles.ts) read the same table;
 * the server refuses anyway, the dashboard only decides what to show.
 */
export type Role = 'owner' | 'billing_admin' | 'manager' | 'member';

export const ROLES: readonly Role[] = ['owner', 'billing_admin', 'manager', 'member'];

const RANK: Record<Role, number> = { member: 0, manager: 1, billing_admin: 2, owner: 3 };

/** A key bound to a member acts with the lesser of its own role and the member's current one. */
export const lesserRole = (a: Role, b: Role): Role => (RANK[a] <= RANK[b] ? a : b);

/** Roles allowed per capability; the platform key may do everything. */
export const CAPABILITIES = {
  'org.read': ['owner', 'billing_admin', 'manager', 'member'],
  'org.write': ['owner', 'billing_admin'],
  'grants.read': ['owner', 'billing_admin'],
  'grants.write': ['owner', 'billing_admin'],
  'balance.read': ['owner', 'billing_admin', 'manager'],
  'events.read': ['owner', 'billing_admin', 'manager'],
  'events.write': ['owner', 'billing_admin'],
  'meters.write': ['owner', 'billing_admin'],
  'keys.write': ['owner'],
  'alerts.manage': ['owner', 'billing_admin'],
  'webhooks.manage': ['owner', 'billing_admin'],
  'notifications.read': ['owner', 'billing_admin'],
  'purchases.read': ['owner', 'billing_admin'],
  'purchases.write': ['owner', 'billing_admin'],
  /** payment outcomes come from the operator or the payment provider: platform key only */
  'purchases.confirm': [],
  'auto_recharge.manage': ['owner', 'billing_admin'],
  // Credit cycles, allocations, admission, holds, requests, audit (SPEC §1, §3.6–§3.8, §3.12).
  // Managers and members are further scoped to their groups / themselves by the services.
  'settings.read': ['owner', 'billing_admin', 'manager', 'member'],
  'settings.write': ['owner', 'billing_admin'],
  'cycles.read': ['owner', 'billing_admin', 'manager'],
  'cycles.write': ['owner', 'billing_admin'],
  'groups.read': ['owner', 'billing_admin', 'manager'],
  'groups.write': ['owner', 'billing_admin'],
  'members.read': ['owner', 'billing_admin', 'manager', 'member'],
  'members.create': ['owner', 'billing_admin'],
  'members.update': ['owner', 'billing_admin', 'manager', 'member'],
  'members.delete': ['owner', 'billing_admin'],
  'allocations.read': ['owner', 'billing_admin', 'manager'],
  'admission.use': ['owner', 'billing_admin', 'manager', 'member'],
  'requests.read': ['owner', 'billing_admin', 'manager', 'member'],
  'requests.create': ['owner', 'billing_admin', 'manager', 'member'],
  'requests.decide': ['owner', 'billing_admin', 'manager'],
  'audit.read': ['owner', 'billing_admin'],
  'statements.read': ['owner', 'billing_admin', 'manager'],
  'invoices.read': ['owner', 'billing_admin'],
  'usage.read': ['owner', 'billing_admin', 'manager'],
  'plan.read': ['owner', 'billing_admin', 'manager'],
  'plan.write': ['owner', 'billing_admin'],
  /** a member lists their own usage events only (SPEC §1, §6 page 7); the other roles see all, as with events.read */
  'events.read_own': ['owner', 'billing_admin', 'manager', 'member'],
  /** spend caps (SPEC §3.16): managers set those of their groups, members read those that bind them (caps/access.ts) */
  'caps.read': ['owner', 'billing_admin', 'manager', 'member'],
  'caps.write': ['owner', 'billing_admin', 'manager'],
} as const satisfies Record<string, readonly Role[]>;

export type Capability = keyof typeof CAPABILITIES;

/** Whether a role holds a capability (the platform key, which has no role, holds them all). */
export function roleMay(role: Role, capability: Capability): boolean {
  return (CAPABILITIES[capability] as readonly Role[]).includes(role);
}
