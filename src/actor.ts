import { createHash } from 'node:crypto';
import { organizationNotFound, TallyError } from './errors.js';

/**
 * Who is acting and what they may do: the actor of a request, the roles and
 * their capabilities. Pure rules (no database), so services, jobs and HTTP
 * share them; src/http/auth.ts resolves a request's key to an Actor.
 */

export type Role = 'owner' | 'billing_admin' | 'manager' | 'member';

export type Actor =
  | { kind: 'platform'; label: string }
  | { kind: 'key'; label: string; orgId: string; keyId: string; role: Role; memberId: string | null };

/** Secrets (API keys, session and embed tokens) are stored and looked up by this hash only. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Bumped when this process changes who may do what (a member removed or their role changed, a key
 * revoked): every cached key is read again at once (src/http/auth.ts). Other instances see the change
 * when their cache entry ends. The one piece of state here: a counter, so the services that change
 * access need not know about the cache.
 */
let accessEpoch = 0;
export function accessChanged(): void {
  accessEpoch++;
}
export const currentAccessEpoch = (): number => accessEpoch;

const RANK: Record<Role, number> = { member: 0, manager: 1, billing_admin: 2, owner: 3 };

/** A key bound to a member acts with the lesser of its own role and the member's current one. */
export const lesserRole = (a: Role, b: Role): Role => (RANK[a] <= RANK[b] ? a : b);

/**
 * Another organization's object answers 404, never 403: its existence is
 * itself data of that organization.
 */
export function assertOrgAccess(actor: Actor, orgId: string): void {
  if (actor.kind === 'key' && actor.orgId !== orgId) {
    throw organizationNotFound(orgId);
  }
}

/** Roles allowed per capability; the platform key may do everything. */
const CAPABILITIES = {
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

export function can(actor: Actor, capability: Capability): boolean {
  return actor.kind === 'platform' || (CAPABILITIES[capability] as readonly Role[]).includes(actor.role);
}

export function authorize(actor: Actor, orgId: string, capability: Capability): void {
  assertOrgAccess(actor, orgId);
  if (!can(actor, capability)) {
    throw new TallyError('forbidden', `Your role may not do this (${capability.replace('.', ' ')}).`);
  }
}

export function requirePlatform(actor: Actor): void {
  if (actor.kind !== 'platform') throw new TallyError('forbidden', 'Only the platform key may do this.');
}
