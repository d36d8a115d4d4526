import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { once, requestHash } from '../../db/idempotency.js';
import { newId } from '../../ids.js';
import { groupedMicro } from '../../domain/invoice.js';
import { formatMicro } from '../../domain/money.js';
import type { Actor } from '../../actor.js';
import { requestNotFound, TallyError } from '../../errors.js';
import {
  assertWithinBudgets,
  type BudgetState,
  canManageMember,
  effectiveExtra,
  figuresOf,
  forbidden,
  groupOf,
  lockedState,
  memberOf,
  scopeOf,
  withMember,
} from '../allocations/index.js';
import { type MemberRow, setMemberExtra } from '../members/index.js';
import { recordAudit } from '../audit/index.js';
import { emitDomainEvent } from '../ledger/index.js';
import { requireOrg } from '../orgs/index.js';
import { findRequestRow, findRequests, insertRequest, recordDecision, type RequestRow, type RequestStatus } from './queries.js';

export type { RequestStatus } from './queries.js';

export function requestView(r: RequestRow) {
  return {
    id: r.id,
    member: r.memberId,
    requester_name: r.requesterName,
    requester_email: r.requesterEmail,
    group_id: r.groupId,
    amount: formatMicro(r.amount),
    approved_amount: r.approvedAmount === null ? null : formatMicro(r.approvedAmount),
    reason: r.reason,
    status: r.status,
    note: r.note,
    decided_by: r.decidedBy,
    created_at: r.createdAt.toISOString(),
    decided_at: r.decidedAt?.toISOString() ?? null,
  };
}

/** Adds approved credits to the member's extra for this cycle, refusing what the group cannot cover. */
async function grantExtra(tx: Q, orgId: string, s: BudgetState, m: MemberRow, amount: bigint, now: Date): Promise<void> {
  const updated: MemberRow = { ...m, extra: effectiveExtra(m, s.cycle) + amount, extraCycleId: s.cycle.id, updatedAt: now };
  assertWithinBudgets(s, withMember(s, updated));
  await setMemberExtra(tx, orgId, m.id, updated.extra, s.cycle.id, now);
}

/**
 * SPEC §3.8: auto-approved at once when the group's remaining auto-approve
 * reserve covers the amount and the group has that much available; pending
 * otherwise.
 */
export async function createRequest(args: {
  ctx: AppContext;
  actor: Actor;
  orgId: string;
  input: { memberId?: string | undefined; amount: bigint; reason: string };
  idempotencyKey?: string | undefined;
}) {
  const { ctx, actor, orgId, input } = args;
  return ctx.db.transaction(async (tx) => {
    const { now, state } = await lockedState(ctx, tx, orgId);
    const scope = await scopeOf(tx, actor, orgId);
    const memberId = input.memberId ?? scope.memberId;
    if (!memberId) throw new TallyError('invalid_request', 'Name the member the credits are for ("member").');
    return once(tx, { orgId, scope: 'requests.create', key: args.idempotencyKey, hash: requestHash({ ...input, memberId }), now, statusCode: 201 }, async () => {
      const member = memberOf(state, memberId);
      if (member.id !== scope.memberId && !canManageMember(scope, member)) throw forbidden('request credits for another member');
      const f = figuresOf(state, groupOf(state, member.groupId));
      const auto = f.autoApproveRemaining >= input.amount && f.available >= input.amount;
      const r: RequestRow = {
        id: newId('req', now.getTime()),
        memberId: member.id,
        requesterName: member.name,
        requesterEmail: member.email,
        groupId: member.groupId,
        cycleId: state.cycle.id,
        amount: input.amount,
        approvedAmount: auto ? input.amount : null,
        reason: input.reason,
        status: auto ? 'auto_approved' : 'pending',
        note: null,
        decidedBy: auto ? 'auto' : null,
        decidedAt: auto ? now : null,
        createdAt: now,
      };
      if (auto) await grantExtra(tx, orgId, state, member, input.amount, now);
      await insertRequest(tx, orgId, r);
      const view = requestView(r);
      await recordAudit(tx, { orgId, actor: actor.label, action: auto ? 'request.auto_approve' : 'request.create', target: r.id, after: view, at: now });
      await emitDomainEvent(ctx.hooks, { tx, orgId, now, type: 'request.created', data: { request: view } });
      if (auto) await emitDomainEvent(ctx.hooks, { tx, orgId, now, type: 'request.decided', data: { request: view } });
      return view;
    });
  });
}

async function findRequest(q: Q, orgId: string, id: string): Promise<RequestRow> {
  const r = await findRequestRow(q, orgId, id);
  if (!r) throw requestNotFound(id);
  return r;
}

/** Approves (possibly less than asked) or denies a pending request; deciding twice is a conflict. */
export async function decideRequest(args: {
  ctx: AppContext;
  actor: Actor;
  orgId: string;
  requestId: string;
  decision: { approve: true; amount?: bigint | undefined; note?: string | undefined } | { approve: false; note?: string | undefined };
}) {
  const { ctx, actor, orgId, requestId, decision } = args;
  return ctx.db.transaction(async (tx) => {
    const { now, state } = await lockedState(ctx, tx, orgId);
    const request = await findRequest(tx, orgId, requestId);
    const scope = await scopeOf(tx, actor, orgId);
    const member = state.members.find((m) => m.id === request.memberId);
    if (!canManageMember(scope, member ?? { groupId: request.groupId })) throw forbidden('decide this credit request');
    if (request.status !== 'pending') {
      throw new TallyError('already_decided', `Credit request "${requestId}" was already decided (${request.status}).`);
    }
    let approved: bigint | null = null;
    if (decision.approve) {
      approved = decision.amount ?? request.amount;
      if (approved > request.amount) {
        throw new TallyError('amount_exceeds_request', `${groupedMicro(approved)} credits is more than the ${groupedMicro(request.amount)} requested.`);
      }
      if (!member) throw new TallyError('member_not_found', `Member "${request.memberId}" no longer exists; the request can only be denied.`);
      await grantExtra(tx, orgId, state, member, approved, now);
    }
    const after: RequestRow = {
      ...request,
      status: decision.approve ? 'approved' : 'denied',
      approvedAmount: approved,
      note: decision.note ?? null,
      decidedBy: actor.label,
      decidedAt: now,
    };
    await recordDecision(tx, orgId, after, now);
    const view = requestView(after);
    await recordAudit(tx, {
      orgId,
      actor: actor.label,
      action: decision.approve ? 'request.approve' : 'request.deny',
      target: requestId,
      before: requestView(request),
      after: view,
      at: now,
    });
    await emitDomainEvent(ctx.hooks, { tx, orgId, now, type: 'request.decided', data: { request: view } });
    return view;
  });
}

export async function listRequests(args: {
  ctx: AppContext;
  actor: Actor;
  orgId: string;
  status?: RequestStatus | undefined;
  before?: string | undefined;
  limit: number;
}) {
  const { ctx, actor, orgId, limit } = args;
  const found = await ctx.db.read(async (q) => {
    await requireOrg(q, orgId);
    const scope = await scopeOf(q, actor, orgId);
    return findRequests(q, orgId, { status: args.status, before: args.before, scope, limit: limit + 1 });
  });
  const data = found.slice(0, limit).map(requestView);
  return { data, next: found.length > limit ? data[data.length - 1]!.id : null };
}
