import type { Q } from '../../db/client.js';
import type { Actor } from '../../actor.js';
import { forbidden, type Scope, scopeOf } from '../allocations/index.js';
import { findMembership, type CapRow } from './queries.js';

/**
 * Who sees and sets which caps (SPEC §3.16, issue 16). Owners, billing admins
 * and the platform: every cap. A manager sets caps on the groups they manage
 * and on those groups' members (and their keys), and sees those plus every
 * cap that binds them. A member sets none and sees the caps that bind them:
 * the organization's, every meter and project cap, their group's, their own
 * and their own keys'.
 */
export interface CapAccess {
  scope: Scope;
  sees(cap: Pick<CapRow, 'scopeKind' | 'scopeId'>): boolean;
  manages(cap: Pick<CapRow, 'scopeKind' | 'scopeId'>): boolean;
  /** the cap limits the actor's own usage (My credits lists these, whatever the role) */
  binds(cap: Pick<CapRow, 'scopeKind' | 'scopeId'>): boolean;
}

type CapScope = Pick<CapRow, 'scopeKind' | 'scopeId'>;

export async function capAccess(q: Q, actor: Actor, orgId: string): Promise<CapAccess> {
  const scope = await scopeOf(q, actor, orgId);
  const { groupOf, keyOwner } = await findMembership(q, orgId);
  const self = scope.memberId;
  const ownGroup = self === null ? undefined : groupOf.get(self);
  const binds = ({ scopeKind, scopeId }: CapScope) => {
    switch (scopeKind) {
      case 'org':
      case 'meter':
      case 'project':
        return true;
      case 'group':
        return scopeId === ownGroup;
      case 'member':
        return scopeId === self;
      case 'api_key':
        return self !== null && keyOwner.get(scopeId) === self;
    }
  };
  if (scope.all) return { scope, sees: () => true, manages: () => true, binds };
  const managedMember = (memberId: string | null | undefined) =>
    memberId != null && scope.groupIds.includes(groupOf.get(memberId) ?? '');
  const manages = ({ scopeKind, scopeId }: CapScope) => {
    if (scope.role !== 'manager') return false;
    if (scopeKind === 'group') return scope.groupIds.includes(scopeId);
    if (scopeKind === 'member') return managedMember(scopeId);
    if (scopeKind === 'api_key') return managedMember(keyOwner.get(scopeId));
    return false;
  };
  return { scope, sees: (cap) => binds(cap) || manages(cap), manages, binds };
}

export function assertManages(access: CapAccess, cap: Pick<CapRow, 'scopeKind' | 'scopeId'>): void {
  if (!access.manages(cap)) throw forbidden(`set a cap on ${cap.scopeKind === 'org' ? 'the organization' : `${cap.scopeKind} "${cap.scopeId}"`}`);
}
