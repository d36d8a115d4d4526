import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bigOrNull, date, dateOrNull, int, json, mapRows, text, textOf, textOrNull, type DbRow } from '../../db/rows.js';
import { grantScheduleIssues, grantSchedules, type StoredRollover } from '../../db/schema/index.js';
import type { Cadence } from '../../domain/cycles.js';

export type ScheduleRow = Omit<typeof grantSchedules.$inferSelect, 'cadence' | 'rollover'> & {
  cadence: Cadence;
  rollover: StoredRollover | null;
};

export type IssueRow = typeof grantScheduleIssues.$inferSelect;

/** The query leaves org_id out (it is the caller's), so the mapper is told it. */
function toIssueRow(orgId: string, r: DbRow): IssueRow {
  return {
    orgId,
    scheduleId: text(r.schedule_id),
    periodStart: date(r.period_start),
    periodEnd: date(r.period_end),
    periodIndex: int(r.period_index),
    grantId: text(r.grant_id),
    issuedAt: date(r.issued_at),
    rolledOver: bigOrNull(r.rolled_over),
    rolloverGrantId: textOrNull(r.rollover_grant_id),
  };
}

/** A jsonb rollover rule: parsed by the driver, or text where a driver leaves it so. */
function rolloverOf(value: unknown): StoredRollover | null {
  return json<StoredRollover | null>(typeof value === 'string' ? JSON.parse(value) : value);
}

function toScheduleRow(r: DbRow): ScheduleRow {
  return {
    orgId: text(r.org_id),
    id: text(r.id),
    name: text(r.name),
    source: textOf<ScheduleRow['source']>(r.source),
    amount: big(r.amount),
    cadence: textOf<Cadence>(r.cadence),
    anchor: date(r.anchor),
    expiresAfter: textOrNull(r.expires_after),
    priority: int(r.priority),
    rollover: rolloverOf(r.rollover),
    endsAt: dateOrNull(r.ends_at),
    nextIndex: int(r.next_index),
    nextIssueAt: dateOrNull(r.next_issue_at),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

const at = (d: Date | null) => d?.toISOString() ?? null;
const rolloverParam = (r: StoredRollover | null) => (r === null ? null : JSON.stringify(r));

export async function findSchedules(q: Q, orgId: string, id?: string): Promise<ScheduleRow[]> {
  return mapRows(
    q,
    sql`select org_id, id, name, source, amount, cadence, anchor, expires_after, priority, rollover, ends_at, next_index,
          next_issue_at, created_at, updated_at
        from grant_schedules where org_id = ${orgId} ${id === undefined ? sql`` : sql`and id = ${id}`}
        order by id`,
    toScheduleRow,
  );
}

export async function insertSchedule(tx: Q, s: ScheduleRow): Promise<void> {
  await tx.execute(sql`insert into grant_schedules (org_id, id, name, source, amount, cadence, anchor, expires_after, priority,
      rollover, ends_at, next_index, next_issue_at, created_at, updated_at)
    values (${s.orgId}, ${s.id}, ${s.name}, ${s.source}, ${s.amount.toString()}::bigint, ${s.cadence}, ${at(s.anchor)}::timestamptz,
      ${s.expiresAfter}, ${s.priority}, ${rolloverParam(s.rollover)}::jsonb, ${at(s.endsAt)}::timestamptz, ${s.nextIndex},
      ${at(s.nextIssueAt)}::timestamptz, ${at(s.createdAt)}::timestamptz, ${at(s.updatedAt)}::timestamptz)`);
}

/** What a change of a schedule may set: its terms and the next issue they give; issued periods stay as they are. */
export type ScheduleTerms = Pick<ScheduleRow, 'name' | 'amount' | 'expiresAfter' | 'priority' | 'rollover' | 'endsAt' | 'nextIssueAt' | 'updatedAt'>;

export async function updateScheduleTerms(tx: Q, orgId: string, id: string, t: ScheduleTerms): Promise<void> {
  await tx.execute(sql`update grant_schedules set name = ${t.name}, amount = ${t.amount.toString()}::bigint,
      expires_after = ${t.expiresAfter}, priority = ${t.priority}, rollover = ${rolloverParam(t.rollover)}::jsonb,
      ends_at = ${at(t.endsAt)}::timestamptz, next_issue_at = ${at(t.nextIssueAt)}::timestamptz,
      updated_at = ${at(t.updatedAt)}::timestamptz
    where org_id = ${orgId} and id = ${id}`);
}

/** Moves a schedule past the periods just issued. */
export async function setNextIssue(tx: Q, orgId: string, id: string, nextIndex: number, nextIssueAt: Date | null): Promise<void> {
  await tx.execute(sql`update grant_schedules set next_index = ${nextIndex}, next_issue_at = ${at(nextIssueAt)}::timestamptz
    where org_id = ${orgId} and id = ${id}`);
}

export async function insertIssue(tx: Q, i: Omit<IssueRow, 'rolledOver' | 'rolloverGrantId'>): Promise<void> {
  await tx.execute(sql`insert into grant_schedule_issues (org_id, schedule_id, period_start, period_end, period_index, grant_id, issued_at)
    values (${i.orgId}, ${i.scheduleId}, ${at(i.periodStart)}::timestamptz, ${at(i.periodEnd)}::timestamptz, ${i.periodIndex},
      ${i.grantId}, ${at(i.issuedAt)}::timestamptz)`);
}

export async function findIssues(q: Q, orgId: string, scheduleIds: string[]): Promise<IssueRow[]> {
  if (scheduleIds.length === 0) return [];
  return mapRows(
    q,
    sql`select schedule_id, period_start, period_end, period_index, grant_id, issued_at, rolled_over, rollover_grant_id
        from grant_schedule_issues where org_id = ${orgId} and schedule_id = any(${sql.param(scheduleIds)}::text[])
        order by schedule_id, period_index`,
    (r) => toIssueRow(orgId, r),
  );
}

/** Organizations with a schedule whose next period has started. */
export async function orgsWithDueSchedules(q: Q, now: Date): Promise<string[]> {
  return mapRows(
    q,
    sql`select distinct org_id as "orgId" from grant_schedules where next_issue_at <= ${now.toISOString()}::timestamptz order by 1`,
    (r) => text(r.orgId),
  );
}

/** Organizations with an expired, not yet booked block of a scheduled grant that has a rollover rule. */
export async function orgsWithDueRollovers(q: Q, now: Date): Promise<string[]> {
  return mapRows(
    q,
    sql`select distinct b.org_id as "orgId" from blocks b
        join grant_schedule_issues i on i.org_id = b.org_id and i.grant_id = b.grant_id
        join grant_schedules s on s.org_id = i.org_id and s.id = i.schedule_id
        where b.expiry_booked_at is null and b.expires_at <= ${now.toISOString()}::timestamptz and s.rollover is not null
        order by 1`,
    (r) => text(r.orgId),
  );
}

/** An expired, unbooked block of a scheduled grant whose schedule has a rollover rule, with that schedule. */
export interface DueBlock {
  id: string;
  grantId: string;
  amount: bigint;
  remaining: bigint;
  expiresAt: Date;
  scheduleId: string;
  scheduleName: string;
  source: 'included' | 'purchased' | 'promotional' | 'adjustment';
  priority: number;
  cadence: Cadence;
  anchor: Date;
  endsAt: Date | null;
  rollover: StoredRollover;
}

export async function findDueRolloverBlocks(q: Q, orgId: string, now: Date): Promise<DueBlock[]> {
  return mapRows(
    q,
    sql`select b.id, b.grant_id, b.amount, b.remaining, b.expires_at, s.id as schedule_id, s.name, s.source, s.priority,
          s.cadence, s.anchor, s.ends_at, s.rollover
        from blocks b
        join grant_schedule_issues i on i.org_id = b.org_id and i.grant_id = b.grant_id
        join grant_schedules s on s.org_id = i.org_id and s.id = i.schedule_id
        where b.org_id = ${orgId} and b.expiry_booked_at is null and b.expires_at <= ${now.toISOString()}::timestamptz
          and s.rollover is not null
        order by b.seq`,
    (r) => ({
      id: text(r.id),
      grantId: text(r.grant_id),
      amount: big(r.amount),
      remaining: big(r.remaining),
      expiresAt: date(r.expires_at),
      scheduleId: text(r.schedule_id),
      scheduleName: text(r.name),
      source: textOf<DueBlock['source']>(r.source),
      priority: int(r.priority),
      cadence: textOf<Cadence>(r.cadence),
      anchor: date(r.anchor),
      endsAt: dateOrNull(r.ends_at),
      rollover: rolloverOf(r.rollover)!,
    }),
  );
}

/** What an issue's grant rolled over, and (the first time) the grant it rolled into. */
export async function recordIssueRollover(tx: Q, orgId: string, grantId: string, rolled: bigint, rolloverGrantId: string | null): Promise<void> {
  await tx.execute(sql`update grant_schedule_issues set rolled_over = coalesce(rolled_over, 0) + ${rolled.toString()}::bigint,
      rollover_grant_id = coalesce(rollover_grant_id, ${rolloverGrantId})
    where org_id = ${orgId} and grant_id = ${grantId}`);
}
