import type { AppContext } from '../../context.js';
import { newId } from '../../ids.js';
import { accessChanged, type Actor, type Role } from '../../actor.js';
import { TallyError } from '../../errors.js';
import { revokeMemberKeys } from '../apikeys/index.js';
import { recordAudit } from '../audit/index.js';
import { endMemberSessions } from '../auth/index.js';
import { requireOrg } from '../orgs/index.js';
import { lockedState } from './groups.js';
import { DEFAULT_GROUP_ID } from './queries.js';
import { deleteMemberRow, findMembers, type MemberRow, writeMember } from '../members/index.js';
import { canManageMember, canSeeMember, forbidden, scopeOf, type Scope } from './scope.js';
import { assertWithinBudgets, effectiveExtra, groupOf, loadBudgetState, memberOf, withMember, type BudgetState } from './state.js';
import { memberView } from './views.js';

export interface MemberInput {
  id?: string | undefined;
  email: string;
  name: string;
  role: Role;
  groupId?: string | undefined;
  monthly?: bigint | null | undefined;
  managedGroupIds?: string[] | undefined;
}

export interface MemberPatch {
  email?: string | undefined;
  name?: string | undefined;
  role?: Role | undefined;
  groupId?: string | undefined;
  monthly?: bigint | null | undefined;
  extra?: bigint | undefined;
  managedGroupIds?: string[] | undefined;
}

const PRIVILEGED: Role[] = ['owner', 'billing_admin'];

/** Only owners (and the platform) grant or revoke the owner and billing admin roles. */
function assertMayAssignRole(actor: Actor, from: Role | null, to: Role): void {
  if (from === to) return;
  const touchesPrivileged = PRIVILEGED.includes(to) || (from !== null && PRIVILEGED.includes(from));
  if (touchesPrivileged && actor.kind === 'key' && actor.role !== 'owner') {
    throw forbidden('grant or revoke the owner and billing admin roles (owners only)');
  }
}

function assertGroupsExist(s: BudgetState, ids: string[]): void {
  for (const id of ids) groupOf(s, id);
}

function assertEmailFree(s: BudgetState, email: string, self?: string): void {
  const other = s.members.find((m) => m.email.toLowerCase() === email.toLowerCase() && m.id !== self);
  if (other) throw new TallyError('already_exists', `A member with email "${email}" already exists.`);
}

/** A new member joins their group (Default when none is named) with the signup credits as extra. */
export async function createMember({ ctx, actor, orgId, input }: { ctx: AppContext; actor: Actor; orgId: string; input: MemberInput }) {
  assertMayAssignRole(actor, null, input.role);
  return ctx.db.transaction(async (tx) => {
    const { now, state } = await lockedState(ctx, tx, orgId);
    const id = input.id ?? newId('mem', now.getTime());
    if (state.members.some((m) => m.id === id)) throw new TallyError('already_exists', `A member with id "${id}" already exists.`);
    assertEmailFree(state, input.email);
    const groupId = input.groupId ?? DEFAULT_GROUP_ID;
    assertGroupsExist(state, [groupId, ...(input.managedGroupIds ?? [])]);
    const pooled: MemberRow = {
      id,
      email: input.email,
      name: input.name,
      role: input.role,
      groupId,
      monthly: null,
      extra: state.settings.creditsPerNewUser,
      extraCycleId: state.cycle.id,
      managedGroupIds: input.managedGroupIds ?? [],
      createdAt: now,
      updatedAt: now,
    };
    // Signup credits are given whatever the budget; an explicit allocation must fit it.
    const joined = withMember(state, pooled);
    const m: MemberRow = { ...pooled, monthly: input.monthly ?? null };
    const after = withMember(joined, m);
    assertWithinBudgets(joined, after);
    await writeMember(tx, orgId, m);
    const view = memberView(after, m);
    await recordAudit(tx, { orgId, actor: actor.label, action: 'member.create', target: id, after: view, at: now });
    return view;
  });
}

/** What each role may change on a member record (SPEC §1). */
function assertMayPatch(actor: Actor, scope: Scope, target: MemberRow, patch: MemberPatch): void {
  const touched = (Object.keys(patch) as (keyof MemberPatch)[]).filter((k) => patch[k] !== undefined);
  if (scope.all) {
    if (patch.role !== undefined) assertMayAssignRole(actor, target.role, patch.role);
    const notOwner = actor.kind === 'key' && actor.role !== 'owner';
    if (notOwner && PRIVILEGED.includes(target.role) && touched.some((k) => k !== 'monthly' && k !== 'extra')) {
      throw forbidden('change the record of an owner or billing admin (owners only)');
    }
    return;
  }
  const allocationOnly = touched.every((k) => k === 'monthly' || k === 'extra');
  const profileOnly = touched.every((k) => k === 'name' || k === 'email');
  if (scope.role === 'manager' && allocationOnly && canManageMember(scope, target)) return;
  if (profileOnly && target.id === scope.memberId) return;
  if (!canSeeMember(scope, target)) throw forbidden('change this member');
  throw forbidden(`change ${touched.join(', ')} of this member`);
}

export async function updateMember(args: { ctx: AppContext; actor: Actor; orgId: string; memberId: string; patch: MemberPatch }) {
  const { ctx, actor, orgId, memberId, patch } = args;
  // A role change applies at once to the member's keys (the authenticator's cache is dropped).
  return finally_(accessChanged, ctx.db.transaction(async (tx) => {
    const { now, state } = await lockedState(ctx, tx, orgId);
    const old = memberOf(state, memberId);
    assertMayPatch(actor, await scopeOf(tx, actor, orgId), old, patch);
    if (patch.email !== undefined) assertEmailFree(state, patch.email, memberId);
    assertGroupsExist(state, [...(patch.groupId ? [patch.groupId] : []), ...(patch.managedGroupIds ?? [])]);
    const m: MemberRow = {
      ...old,
      email: patch.email ?? old.email,
      name: patch.name ?? old.name,
      role: patch.role ?? old.role,
      groupId: patch.groupId ?? old.groupId,
      monthly: patch.monthly !== undefined ? patch.monthly : old.monthly,
      ...(patch.extra !== undefined ? { extra: patch.extra, extraCycleId: state.cycle.id } : { extra: effectiveExtra(old, state.cycle), extraCycleId: state.cycle.id }),
      managedGroupIds: patch.managedGroupIds ?? old.managedGroupIds,
      updatedAt: now,
    };
    const after = withMember(state, m);
    assertWithinBudgets(state, after);
    await writeMember(tx, orgId, m);
    const view = memberView(after, m);
    await recordAudit(tx, { orgId, actor: actor.label, action: 'member.update', target: memberId, before: memberView(state, old), after: view, at: now });
    return view;
  }));
}

async function finally_<T>(after: () => void, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } finally {
    after();
  }
}

export async function deleteMember(args: { ctx: AppContext; actor: Actor; orgId: string; memberId: string }) {
  const { ctx, actor, orgId, memberId } = args;
  return finally_(accessChanged, ctx.db.transaction(async (tx) => {
    const { now, state } = await lockedState(ctx, tx, orgId);
    const old = memberOf(state, memberId);
    if (PRIVILEGED.includes(old.role) && actor.kind === 'key' && actor.role !== 'owner') {
      throw forbidden('remove an owner or billing admin (owners only)');
    }
    await deleteMemberRow(tx, orgId, memberId);
    // Access ends with the membership: the member's keys, sessions and embed links stop at once.
    await revokeMemberKeys(tx, orgId, memberId, now);
    await endMemberSessions(tx, orgId, memberId, now);
    await recordAudit(tx, { orgId, actor: actor.label, action: 'member.delete', target: memberId, before: memberView(state, old), at: now });
    return { id: memberId, deleted: true };
  }));
}

async function readState(ctx: AppContext, orgId: string) {
  const now = ctx.clock.now();
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    return loadBudgetState(q, org, now);
  });
}

export async function getMember({ ctx, actor, orgId, memberId }: { ctx: AppContext; actor: Actor; orgId: string; memberId: string }) {
  const state = await readState(ctx, orgId);
  const scope = await ctx.db.read((q) => scopeOf(q, actor, orgId));
  const m = memberOf(state, memberId);
  if (!canSeeMember(scope, m)) throw forbidden('see this member');
  return memberView(state, m);
}

/** Members by id, filtered by group and a case-insensitive search on name or email; scoped by role. */
export async function listMembers(args: {
  ctx: AppContext;
  actor: Actor;
  orgId: string;
  groupId?: string | undefined;
  search?: string | undefined;
  after?: string | undefined;
  limit: number;
}) {
  const { ctx, actor, orgId, limit } = args;
  const state = await readState(ctx, orgId);
  const found = await ctx.db.read(async (q) => {
    const scope = await scopeOf(q, actor, orgId);
    return findMembers(q, orgId, {
      groupId: args.groupId,
      search: args.search,
      after: args.after,
      limit: limit + 1,
      visible: scope.all ? undefined : { groupIds: scope.groupIds, memberId: scope.memberId },
    });
  });
  const data = found.slice(0, limit).map((m) => memberView(state, state.members.find((x) => x.id === m.id) ?? m));
  return { data, next: found.length > limit ? data[data.length - 1]!.id : null };
}
