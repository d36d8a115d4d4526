import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows, type Q } from '../../db/client.js';
import { once, requestHash } from '../../db/idempotency.js';
import { newId } from '../../domain/ids.js';
import { groupedMicro } from '../../domain/invoice.js';
import { formatMicro } from '../../domain/money.js';
import type { Actor } from '../../actor.js';
import { requestNotFound, TallyError } from '../../errors.js';
import { lockedState } from '../allocations/groups.js';
import { setMemberExtra, type MemberRow } from '../members/service.js';
import { canManageMember, forbidden, scopeOf } from '../allocations/scope.js';
import {
  assertWithinBudgets,
  effectiveExtra,
  figuresOf,
  groupOf,
  memberOf,
  withMember,
  type BudgetState,
} from '../allocations/state.js';
import { recordAudit } from '../audit/service.js';
import { emitDomainEvent } from '../ledger/hooks.js';
import { requireOrg } from '../orgs/index.js';

export type RequestStatus = 'pending' | 'approved' | 'denied' | 'auto_approved';

interface RequestRow {
  id: string;
  memberId: string;
  requesterName: string;
  requesterEmail: string;
  groupId: string;
  cycleId: string;
  amount: bigint;
  approvedAmount: bigint | null;
  reason: string;
  status: RequestStatus;
  note: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

const COLUMNS = sql`id, member_id as "memberId", requester_name as "requesterName", requester_email as "requesterEmail",
  group_id as "groupId", cycle_id as "cycleId", amount, approved_amount as "approvedAmount", reason, status, note,
  decided_by as "decidedBy", decided_at as "decidedAt", created_at as "createdAt"`;

function toRow(r: RequestRow): RequestRow {
  return {
    ...r,
    amount: BigInt(r.amount),
    approvedAmount: r.approvedAmount === null ? null : BigInt(r.approvedAmount),
    decidedAt: r.decidedAt === null ? null : new Date(r.decidedAt),
    createdAt: new Date(r.createdAt),
  };
}

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

async function insertRequest(tx: Q, orgId: string, r: RequestRow): Promise<void> {
  await tx.execute(sql`
    insert into credit_requests (org_id, id, member_id, requester_name, requester_email, group_id, cycle_id, amount, approved_amount,
      reason, status, note, decided_by, decided_at, created_at)
    values (${orgId}, ${r.id}, ${r.memberId}, ${r.requesterName}, ${r.requesterEmail}, ${r.groupId}, ${r.cycleId},
      ${r.amount.toString()}::bigint, ${r.approvedAmount?.toString() ?? null}::bigint, ${r.reason}, ${r.status}, ${r.note},
      ${r.decidedBy}, ${r.decidedAt?.toISOString() ?? null}::timestamptz, ${r.createdAt.toISOString()}::timestamptz)`);
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
  const [r] = await rows<RequestRow>(q, sql`select ${COLUMNS} from credit_requests where org_id = ${orgId} and id = ${id}`);
  if (!r) throw requestNotFound(id);
  return toRow(r);
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
    await tx.execute(sql`update credit_requests set status = ${after.status}, approved_amount = ${approved?.toString() ?? null}::bigint,
      note = ${after.note}, decided_by = ${after.decidedBy}, decided_at = ${now.toISOString()}::timestamptz
      where org_id = ${orgId} and id = ${requestId} and status = 'pending'`);
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
    const conditions = [
      sql`org_id = ${orgId}`,
      args.status ? sql`status = ${args.status}` : undefined,
      args.before ? sql`id < ${args.before}` : undefined,
      scope.all
        ? undefined
        : sql`(member_id = ${scope.memberId ?? ''} or group_id = any(${sql.param(scope.groupIds)}::text[])
            or member_id in (select id from members m where m.org_id = ${orgId} and m.group_id = any(${sql.param(scope.groupIds)}::text[])))`,
    ].filter((c) => c !== undefined);
    return rows<RequestRow>(
      q,
      sql`select ${COLUMNS} from credit_requests where ${sql.join(conditions, sql` and `)} order by id desc limit ${limit + 1}`,
    );
  });
  const data = found.slice(0, limit).map((r) => requestView(toRow(r)));
  return { data, next: found.length > limit ? data[data.length - 1]!.id : null };
}
