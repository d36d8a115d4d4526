import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { newId } from '../../ids.js';
import type { Actor } from '../../actor.js';
import { defaultGroupProtected, TallyError } from '../../errors.js';
import { recordAudit } from '../audit/index.js';
import { releaseGroup } from '../members/index.js';
import { getBalance } from '../balance/index.js';
import { lockOrg, requireOrg } from '../orgs/index.js';
import { ensureCycle } from './cycles.js';
import { DEFAULT_GROUP_ID, deleteGroupRow, findGroupByName, upsertGroup, type GroupRow } from './queries.js';
import { canSeeGroup, forbidden, scopeOf } from './scope.js';
import { assertWithinBudgets, groupOf, loadBudgetState, withGroup, withMember, type BudgetState } from './state.js';
import { currentCycleOut, groupView } from './views.js';

export interface GroupInput {
  name?: string | undefined;
  monthlyAllocation?: bigint | undefined;
  extra?: bigint | undefined;
  autoApproveReserve?: bigint | undefined;
}

/** A locked, rolled-over budget state: the start of every allocation write. */
export async function lockedState(ctx: AppContext, tx: Q, orgId: string) {
  const org = await lockOrg(tx, orgId);
  const now = ctx.clock.now();
  const { cycle } = await ensureCycle(tx, org, now);
  return { now, state: await loadBudgetState(tx, org, now, cycle) };
}

async function assertNameFree(tx: Q, orgId: string, name: string, self?: string) {
  const other = await findGroupByName(tx, orgId, name);
  if (other && other.id !== self) throw new TallyError('already_exists', `A group named "${name}" already exists.`);
}

export async function createGroup({ ctx, actor, orgId, input }: { ctx: AppContext; actor: Actor; orgId: string; input: GroupInput & { name: string } }) {
  return ctx.db.transaction(async (tx) => {
    const { now, state } = await lockedState(ctx, tx, orgId);
    await assertNameFree(tx, orgId, input.name);
    const g: GroupRow = {
      id: newId('grp', now.getTime()),
      name: input.name,
      isDefault: false,
      monthlyAllocation: input.monthlyAllocation ?? 0n,
      extra: input.extra ?? 0n,
      extraCycleId: state.cycle.id,
      autoApproveReserve: input.autoApproveReserve ?? 0n,
      createdAt: now,
      updatedAt: now,
    };
    await upsertGroup(tx, orgId, g);
    const after = withGroup(state, g);
    const view = groupView(after, g);
    await recordAudit(tx, { orgId, actor: actor.label, action: 'group.create', target: g.id, after: view, at: now });
    return view;
  });
}

export async function updateGroup(args: { ctx: AppContext; actor: Actor; orgId: string; groupId: string; input: GroupInput }) {
  const { ctx, actor, orgId, groupId, input } = args;
  return ctx.db.transaction(async (tx) => {
    const { now, state } = await lockedState(ctx, tx, orgId);
    const old = groupOf(state, groupId);
    if (input.name !== undefined) {
      if (old.isDefault && input.name !== old.name) throw defaultGroupProtected('renamed');
      await assertNameFree(tx, orgId, input.name, groupId);
    }
    const g: GroupRow = {
      ...old,
      name: input.name ?? old.name,
      monthlyAllocation: input.monthlyAllocation ?? old.monthlyAllocation,
      ...(input.extra !== undefined ? { extra: input.extra, extraCycleId: state.cycle.id } : {}),
      autoApproveReserve: input.autoApproveReserve ?? old.autoApproveReserve,
      updatedAt: now,
    };
    const after = withGroup(state, g);
    assertWithinBudgets(state, after);
    await upsertGroup(tx, orgId, g);
    const view = groupView(after, g);
    await recordAudit(tx, { orgId, actor: actor.label, action: 'group.update', target: g.id, before: groupView(state, old), after: view, at: now });
    return view;
  });
}

/** Deleting a group moves its members, with their allocations, to Default. Default itself stays. */
export async function deleteGroup(args: { ctx: AppContext; actor: Actor; orgId: string; groupId: string }) {
  const { ctx, actor, orgId, groupId } = args;
  return ctx.db.transaction(async (tx) => {
    const { now, state } = await lockedState(ctx, tx, orgId);
    const old = groupOf(state, groupId);
    if (old.isDefault) throw defaultGroupProtected('deleted');
    let after: BudgetState = { ...state, groups: state.groups.filter((g) => g.id !== groupId) };
    const moved = state.members.filter((m) => m.groupId === groupId);
    for (const m of moved) after = withMember(after, { ...m, groupId: DEFAULT_GROUP_ID });
    assertWithinBudgets(state, after);
    await releaseGroup(tx, orgId, groupId, DEFAULT_GROUP_ID, now);
    await deleteGroupRow(tx, orgId, groupId);
    await recordAudit(tx, {
      orgId,
      actor: actor.label,
      action: 'group.delete',
      target: groupId,
      before: groupView(state, old),
      after: { moved_members: moved.map((m) => m.id), to_group: DEFAULT_GROUP_ID },
      at: now,
    });
    return { id: groupId, deleted: true, moved_members: moved.length };
  });
}

async function readState(ctx: AppContext, orgId: string, actor: Actor) {
  const now = ctx.clock.now();
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    return { state: await loadBudgetState(q, org, now), scope: await scopeOf(q, actor, orgId) };
  });
}

export async function listGroups({ ctx, actor, orgId }: { ctx: AppContext; actor: Actor; orgId: string }) {
  const { state, scope } = await readState(ctx, orgId, actor);
  return state.groups.filter((g) => canSeeGroup(scope, g.id)).map((g) => groupView(state, g));
}

export async function getGroup({ ctx, actor, orgId, groupId }: { ctx: AppContext; actor: Actor; orgId: string; groupId: string }) {
  const { state, scope } = await readState(ctx, orgId, actor);
  const g = groupOf(state, groupId);
  if (!canSeeGroup(scope, g.id)) throw forbidden('see this group');
  return groupView(state, g);
}

/** The allocation overview (SPEC §3.7): the cycle, the balance and every group's figures. */
export async function allocationOverview({ ctx, actor, orgId }: { ctx: AppContext; actor: Actor; orgId: string }) {
  const { state, scope } = await readState(ctx, orgId, actor);
  const balance = await getBalance({ ctx, orgId });
  return {
    cycle: currentCycleOut(state),
    balance: balance.available,
    seats: state.members.length,
    groups: state.groups.filter((g) => canSeeGroup(scope, g.id)).map((g) => groupView(state, g)),
  };
}
