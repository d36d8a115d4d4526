import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bigOrNull, date, dateOrNull, mapFirst, mapRows, text, textOf, textOrNull, type DbRow } from '../../db/rows.js';
import type { Scope } from '../allocations/index.js';

export type RequestStatus = 'pending' | 'approved' | 'denied' | 'auto_approved';

export interface RequestRow {
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

function toRequestRow(r: DbRow): RequestRow {
  return {
    id: text(r.id),
    memberId: text(r.memberId),
    requesterName: text(r.requesterName),
    requesterEmail: text(r.requesterEmail),
    groupId: text(r.groupId),
    cycleId: text(r.cycleId),
    amount: big(r.amount),
    approvedAmount: bigOrNull(r.approvedAmount),
    reason: text(r.reason),
    status: textOf<RequestStatus>(r.status),
    note: textOrNull(r.note),
    decidedBy: textOrNull(r.decidedBy),
    decidedAt: dateOrNull(r.decidedAt),
    createdAt: date(r.createdAt),
  };
}

export async function insertRequest(tx: Q, orgId: string, r: RequestRow): Promise<void> {
  await tx.execute(sql`
    insert into credit_requests (org_id, id, member_id, requester_name, requester_email, group_id, cycle_id, amount, approved_amount,
      reason, status, note, decided_by, decided_at, created_at)
    values (${orgId}, ${r.id}, ${r.memberId}, ${r.requesterName}, ${r.requesterEmail}, ${r.groupId}, ${r.cycleId},
      ${r.amount.toString()}::bigint, ${r.approvedAmount?.toString() ?? null}::bigint, ${r.reason}, ${r.status}, ${r.note},
      ${r.decidedBy}, ${r.decidedAt?.toISOString() ?? null}::timestamptz, ${r.createdAt.toISOString()}::timestamptz)`);
}

export async function findRequestRow(q: Q, orgId: string, id: string): Promise<RequestRow | undefined> {
  return mapFirst(q, sql`select ${COLUMNS} from credit_requests where org_id = ${orgId} and id = ${id}`, toRequestRow);
}

/** Writes a decision, only over a request still pending. */
export async function recordDecision(tx: Q, orgId: string, r: RequestRow, decidedAt: Date): Promise<void> {
  await tx.execute(sql`update credit_requests set status = ${r.status}, approved_amount = ${r.approvedAmount?.toString() ?? null}::bigint,
      note = ${r.note}, decided_by = ${r.decidedBy}, decided_at = ${decidedAt.toISOString()}::timestamptz
      where org_id = ${orgId} and id = ${r.id} and status = 'pending'`);
}

/** Newest first; a scope that is not `all` sees its own, its groups' and its groups' members' requests. */
export async function findRequests(
  q: Q,
  orgId: string,
  f: { status?: RequestStatus | undefined; before?: string | undefined; scope: Scope; limit: number },
): Promise<RequestRow[]> {
  const { scope } = f;
  const conditions = [
    sql`org_id = ${orgId}`,
    f.status ? sql`status = ${f.status}` : undefined,
    f.before ? sql`id < ${f.before}` : undefined,
    scope.all
      ? undefined
      : sql`(member_id = ${scope.memberId ?? ''} or group_id = any(${sql.param(scope.groupIds)}::text[])
          or member_id in (select id from members m where m.org_id = ${orgId} and m.group_id = any(${sql.param(scope.groupIds)}::text[])))`,
  ].filter((c) => c !== undefined);
  return mapRows(
    q,
    sql`select ${COLUMNS} from credit_requests where ${sql.join(conditions, sql` and `)} order by id desc limit ${f.limit}`,
    toRequestRow,
  );
}
