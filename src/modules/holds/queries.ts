import { sql, type SQL } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bigOrNull, date, dateOrNull, mapFirst, mapRows, text, textOf, textOrNull, type DbRow } from '../../db/rows.js';

export interface HoldRow {
  id: string;
  memberId: string;
  amount: bigint;
  capturedAmount: bigint | null;
  jobId: string | null;
  status: 'open' | 'captured' | 'released' | 'expired';
  expiresAt: Date | null;
  createdAt: Date;
  closedAt: Date | null;
  actor: string;
  /** the project and API key the hold was taken for (SPEC §3.16) */
  project?: string | null | undefined;
  apiKeyId?: string | null | undefined;
}

const COLUMNS = sql`id, member_id, amount, captured_amount, job_id, status, expires_at, created_at, closed_at, actor, project, api_key_id`;

function toHold(r: DbRow): HoldRow {
  return {
    id: text(r.id),
    memberId: text(r.member_id),
    amount: big(r.amount),
    capturedAmount: bigOrNull(r.captured_amount),
    jobId: textOrNull(r.job_id),
    status: textOf<HoldRow['status']>(r.status),
    expiresAt: dateOrNull(r.expires_at),
    createdAt: date(r.created_at),
    closedAt: dateOrNull(r.closed_at),
    actor: text(r.actor),
    project: textOrNull(r.project),
    apiKeyId: textOrNull(r.api_key_id),
  };
}

export async function findHold(q: Q, orgId: string, holdId: string): Promise<HoldRow | undefined> {
  return mapFirst(q, sql`select ${COLUMNS} from holds where org_id = ${orgId} and id = ${holdId}`, toHold);
}

export async function findDueHolds(q: Q, orgId: string, now: Date): Promise<HoldRow[]> {
  return mapRows(
    q,
    sql`select ${COLUMNS} from holds where org_id = ${orgId} and status = 'open' and expires_at <= ${now.toISOString()}::timestamptz
        order by id`,
    toHold,
  );
}

/**
 * One read for a group of captures: the holds they name, and every open hold
 * past its expiry (released before the captures are decided). Two probes, one
 * per index, joined by `union`; the named holds one primary-key probe each (a
 * lateral subquery with `limit 1` cannot become a scan). Planned as one `where`
 * with an `or`, or with `id = any(…)`, this read every hold of the organization
 * under the lock, growing with the table (docs/performance.md, real-time part 10).
 */
export async function findHoldsAndLapsed(q: Q, orgId: string, ids: string[], now: Date): Promise<{ byId: Map<string, HoldRow>; lapsed: HoldRow[] }> {
  const all = await mapRows(
    q,
    sql`select h.* from unnest(${sql.param(ids)}::text[]) as u(id)
          cross join lateral (select ${COLUMNS} from holds where org_id = ${orgId} and id = u.id limit 1) h
        union
        select ${COLUMNS} from holds where org_id = ${orgId} and status = 'open' and expires_at <= ${now.toISOString()}::timestamptz
        order by id`,
    toHold,
  );
  const lapsed = all.filter((h) => h.status === 'open' && h.expiresAt !== null && h.expiresAt <= now);
  const asked = new Set(ids);
  return { byId: new Map(all.filter((h) => asked.has(h.id)).map((h) => [h.id, h])), lapsed };
}

/** New open holds, one statement for any number (undefined for none, for writeTogether). */
export function holdsInsert(orgId: string, holds: HoldRow[]): SQL | undefined {
  if (holds.length === 0) return undefined;
  const col = <T>(f: (h: HoldRow) => T) => sql.param(holds.map(f));
  return sql`
    insert into holds (org_id, id, member_id, amount, captured_amount, job_id, status, expires_at, created_at, closed_at, actor,
      project, api_key_id)
    select ${orgId}, u.id, u.member_id, u.amount, null, u.job_id, 'open', u.expires_at, u.created_at, null, u.actor, u.project, u.api_key_id
    from unnest(${col((h) => h.id)}::text[], ${col((h) => h.memberId)}::text[], ${col((h) => h.amount.toString())}::bigint[],
      ${col((h) => h.jobId)}::text[], ${col((h) => h.expiresAt?.toISOString() ?? null)}::timestamptz[],
      ${col((h) => h.createdAt.toISOString())}::timestamptz[], ${col((h) => h.actor)}::text[], ${col((h) => h.project ?? null)}::text[],
      ${col((h) => h.apiKeyId ?? null)}::text[])
      as u(id, member_id, amount, job_id, expires_at, created_at, actor, project, api_key_id)`;
}

/** Marks holds captured, each with its own captured amount, in one statement (undefined for none, for writeTogether). */
export function holdsCapture(orgId: string, at: Date, captured: { id: string; amount: bigint }[]): SQL | undefined {
  if (captured.length === 0) return undefined;
  return sql`update holds h set status = 'captured', closed_at = ${at.toISOString()}::timestamptz, captured_amount = u.amount
    from unnest(${sql.param(captured.map((c) => c.id))}::text[], ${sql.param(captured.map((c) => c.amount.toString()))}::bigint[]) as u(id, amount)
    where h.org_id = ${orgId} and h.id = u.id and h.status = 'open'`;
}

export async function closeHolds(
  tx: Q,
  orgId: string,
  ids: string[],
  status: HoldRow['status'],
  at: Date,
  captured: bigint | null = null,
): Promise<void> {
  await tx.execute(sql`update holds set status = ${status}, closed_at = ${at.toISOString()}::timestamptz,
      captured_amount = ${captured?.toString() ?? null}::bigint
    where org_id = ${orgId} and id = any(${sql.param(ids)}::text[]) and status = 'open'`);
}

export async function findHolds(
  q: Q,
  orgId: string,
  f: { status?: HoldRow['status'] | undefined; now: Date; visible?: { groupIds: string[]; memberId: string | null } | undefined; before?: string | undefined; limit: number },
): Promise<HoldRow[]> {
  const now = f.now.toISOString();
  // An open hold past its expiry is expired, whether or not the job has released it yet.
  const statusCondition =
    f.status === undefined
      ? undefined
      : f.status === 'open'
        ? sql`status = 'open' and (expires_at is null or expires_at > ${now}::timestamptz)`
        : f.status === 'expired'
          ? sql`(status = 'expired' or (status = 'open' and expires_at <= ${now}::timestamptz))`
          : sql`status = ${f.status}`;
  const conditions = [
    sql`org_id = ${orgId}`,
    statusCondition,
    f.visible
      ? sql`(member_id = ${f.visible.memberId ?? ''} or member_id in (select id from members m where m.org_id = ${orgId}
          and m.group_id = any(${sql.param(f.visible.groupIds)}::text[])))`
      : undefined,
    f.before ? sql`id < ${f.before}` : undefined,
  ].filter((c) => c !== undefined);
  return mapRows(q, sql`select ${COLUMNS} from holds where ${sql.join(conditions, sql` and `)} order by id desc limit ${f.limit}`, toHold);
}

export async function orgsWithDueHolds(q: Q, now: Date): Promise<string[]> {
  return mapRows(
    q,
    sql`select distinct org_id from holds where status = 'open' and expires_at <= ${now.toISOString()}::timestamptz`,
    (r) => text(r.org_id),
  );
}
