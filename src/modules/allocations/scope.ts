import type { Q } from '../../db/client.js';
import type { AppContext } from '../../context.js';
import type { Actor } from '../../actor.js';
import { TallyError } from '../../errors.js';
import { findMember, findMemberIdsInGroups } from '../members/index.js';

/**
 * What part of an organization an actor reaches (SPEC §1). Owners, billing
 * admins and the platform reach everything; a manager the groups they manage
 * (read fresh from their member record, so a change applies at once) and
 * themselves; a member only themselves. Role checks look at the Actor, never
 * at how it authenticated, so a dashboard session works the same way.
 */
export type Scope =
  | { all: true; memberId: string | null }
  | { all: false; role: 'manager' | 'member'; memberId: string | null; groupIds: string[] };

export async function scopeOf(q: Q, actor: Actor, orgId: string): Promise<Scope> {
  return scopeWith(actor, (id) => findMember(q, orgId, id));
}

/** scopeOf with the organization's members already loaded (the real-time path's cached configuration). */
export function scopeAmong(actor: Actor, members: readonly { id: string; managedGroupIds: string[] }[]): Promise<Scope> {
  return scopeWith(actor, (id) => Promise.resolve(members.find((m) => m.id === id)));
}

async function scopeWith(actor: Actor, findSelf: (memberId: string) => Promise<{ managedGroupIds: string[] } | undefined>): Promise<Scope> {
  if (actor.kind === 'platform') return { all: true, memberId: null };
  if (actor.role === 'owner' || actor.role === 'billing_admin') return { all: true, memberId: actor.memberId };
  if (actor.role === 'member' || actor.memberId === null) {
    return { all: false, role: actor.role, memberId: actor.memberId, groupIds: [] };
  }
  const self = await findSelf(actor.memberId);
  return { all: false, role: 'manager', memberId: actor.memberId, groupIds: self?.managedGroupIds ?? [] };
}

/**
 * Whose usage an actor may read (SPEC §1): undefined for everyone (owners, billing admins, the platform);
 * for a manager, the members of the groups they manage and themselves; for a member, themselves.
 */
export async function usageUsersOf(q: Q, actor: Actor, orgId: string): Promise<string[] | undefined> {
  const scope = await scopeOf(q, actor, orgId);
  if (scope.all) return undefined;
  const self = scope.memberId === null ? [] : [scope.memberId];
  if (scope.groupIds.length === 0) return self;
  return [...new Set([...self, ...(await findMemberIdsInGroups(q, orgId, scope.groupIds))])];
}

/**
 * A manager reads the usage of the members of their groups only (SPEC §1): naming anyone else is refused,
 * naming nobody lists theirs. Undefined: no limit (owners, billing admins, the platform; members are
 * already limited to themselves by visibleUser).
 */
export async function scopedUsers(ctx: AppContext, actor: Actor, orgId: string, user: string | undefined): Promise<string[] | undefined> {
  if (actor.kind !== 'key' || actor.role !== 'manager') return undefined;
  const users = await ctx.db.read((q) => usageUsersOf(q, actor, orgId));
  if (users !== undefined && user !== undefined && !users.includes(user)) {
    throw new TallyError('forbidden', 'Managers may read the usage of the members of their groups only; this user is not in one.');
  }
  return users;
}

export const canSeeMember = (s: Scope, m: { id: string; groupId: string }): boolean =>
  s.all || m.id === s.memberId || s.groupIds.includes(m.groupId);

/** Allocations, holds and decisions on a member: admins anywhere, managers in their groups. */
export const canManageMember = (s: Scope, m: { groupId: string }): boolean => s.all || s.groupIds.includes(m.groupId);

export const canSeeGroup = (s: Scope, groupId: string): boolean => s.all || s.groupIds.includes(groupId);

export function forbidden(what: string): TallyError {
  return new TallyError('forbidden', `Your role may not ${what}.`);
}
