import { createHash } from 'node:crypto';
import { roleMay, type Capability, type Role } from './domain/policy.js';
import { organizationNotFound, TallyError } from './errors.js';

// The policy table (roles → capabilities) lives in src/domain/policy.ts, which the dashboard reads too.
export { CAPABILITIES, lesserRole, roleMay, type Capability, type Role } from './domain/policy.js';

/**
 * Who is acting and what they may do: the actor of a request and the checks
 * of its capabilities. Pure rules (no database), so services, jobs and HTTP
 * share them; src/http/auth.ts resolves a request's key to an Actor.
 */

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

/**
 * Another organization's object answers 404, never 403: its existence is
 * itself data of that organization.
 */
export function assertOrgAccess(actor: Actor, orgId: string): void {
  if (actor.kind === 'key' && actor.orgId !== orgId) {
    throw organizationNotFound(orgId);
  }
}

export function can(actor: Actor, capability: Capability): boolean {
  return actor.kind === 'platform' || roleMay(actor.role, capability);
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
