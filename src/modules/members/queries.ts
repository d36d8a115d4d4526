import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bigOrNull, date, json, mapFirst, mapRows, text, textOf, textOrNull, type DbRow } from '../../db/rows.js';
import type { Role } from '../../actor.js';

/**
 * The members table, read and written here only. A query of another module
 * that joins members inside its own statement (a scope filter, a key's
 * member) keeps its join: splitting it would cost a round trip.
 */
export interface MemberRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  groupId: string;
  monthly: bigint | null;
  extra: bigint;
  extraCycleId: string | null;
  managedGroupIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

const MEMBER_COLUMNS = sql`id, email, name, role, group_id, monthly, extra, extra_cycle_id, managed_group_ids, created_at, updated_at`;

export function toMemberRow(r: DbRow): MemberRow {
  return {
    id: text(r.id),
    email: text(r.email),
    name: text(r.name),
    role: textOf<Role>(r.role),
    groupId: text(r.group_id),
    monthly: bigOrNull(r.monthly),
    extra: big(r.extra),
    extraCycleId: textOrNull(r.extra_cycle_id),
    managedGroupIds: json<string[] | null>(r.managed_group_ids) ?? [],
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

export interface MemberFilter {
  groupId?: string | undefined;
  /** restricts to these groups or this member (role scoping) */
  visible?: { groupIds: string[]; memberId: string | null } | undefined;
  search?: string | undefined;
  after?: string | undefined;
  limit?: number | undefined;
}

export async function findMembers(q: Q, orgId: string, f: MemberFilter = {}): Promise<MemberRow[]> {
  const pattern = f.search ? `%${f.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  const conditions = [
    sql`org_id = ${orgId}`,
    f.groupId !== undefined ? sql`group_id = ${f.groupId}` : undefined,
    f.visible
      ? sql`(group_id = any(${sql.param(f.visible.groupIds)}::text[]) or id = ${f.visible.memberId ?? ''})`
      : undefined,
    pattern ? sql`(name ilike ${pattern} or email ilike ${pattern})` : undefined,
    f.after !== undefined ? sql`id > ${f.after}` : undefined,
  ].filter((c) => c !== undefined);
  return mapRows(
    q,
    sql`select ${MEMBER_COLUMNS} from members where ${sql.join(conditions, sql` and `)} order by id
        ${f.limit === undefined ? sql`` : sql`limit ${f.limit}`}`,
    toMemberRow,
  );
}

export async function findMember(q: Q, orgId: string, memberId: string): Promise<MemberRow | undefined> {
  return mapFirst(q, sql`select ${MEMBER_COLUMNS} from members where org_id = ${orgId} and id = ${memberId}`, toMemberRow);
}

export async function findMemberIdsInGroups(q: Q, orgId: string, groupIds: string[]): Promise<string[]> {
  return mapRows(
    q,
    sql`select id from members where org_id = ${orgId} and group_id = any(${sql.param(groupIds)}::text[])`,
    (r) => text(r.id),
  );
}

export async function memberExists(q: Q, orgId: string, memberId: string): Promise<boolean> {
  return (await mapFirst(q, sql`select 1 as one from members where org_id = ${orgId} and id = ${memberId}`, () => true)) ?? false;
}

/** The member's group; null for no member or an unknown one. */
export async function groupOfMember(q: Q, orgId: string, memberId: string | null): Promise<string | null> {
  if (memberId === null) return null;
  return (await mapFirst(q, sql`select group_id from members where org_id = ${orgId} and id = ${memberId}`, (r) => text(r.group_id))) ?? null;
}

/** Every member's group. */
export async function groupsOfMembers(q: Q, orgId: string): Promise<Map<string, string>> {
  const found = await mapRows(q, sql`select id, group_id from members where org_id = ${orgId}`, (r) => [text(r.id), text(r.group_id)] as const);
  return new Map(found);
}

/** Names of the organization's members among `ids`. */
export async function memberNames(q: Q, orgId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const found = await mapRows(
    q,
    sql`select id, name from members where org_id = ${orgId} and id = any(${sql.param(ids)}::text[])`,
    (r) => [text(r.id), text(r.name)] as const,
  );
  return new Map(found);
}

export async function countMembers(q: Q, orgId: string): Promise<bigint> {
  return (await mapFirst(q, sql`select count(*)::bigint as n from members where org_id = ${orgId}`, (r) => big(r.n))) ?? 0n;
}

/** Emails of the owners and billing admins, in order. */
export async function billingEmails(q: Q, orgId: string): Promise<string[]> {
  return mapRows(q, sql`select email from members where org_id = ${orgId} and role in ('owner', 'billing_admin') order by email`, (r) => text(r.email));
}

/** Inserts the member or replaces every field of it. */
export async function writeMember(tx: Q, orgId: string, m: MemberRow): Promise<void> {
  await tx.execute(sql`
    insert into members (org_id, id, email, name, role, group_id, monthly, extra, extra_cycle_id, managed_group_ids, created_at, updated_at)
    values (${orgId}, ${m.id}, ${m.email}, ${m.name}, ${m.role}, ${m.groupId}, ${m.monthly?.toString() ?? null}::bigint,
      ${m.extra.toString()}::bigint, ${m.extraCycleId}, ${sql.param(m.managedGroupIds)}::text[], ${m.createdAt.toISOString()}::timestamptz,
      ${m.updatedAt.toISOString()}::timestamptz)
    on conflict (org_id, id) do update set email = excluded.email, name = excluded.name, role = excluded.role,
      group_id = excluded.group_id, monthly = excluded.monthly, extra = excluded.extra, extra_cycle_id = excluded.extra_cycle_id,
      managed_group_ids = excluded.managed_group_ids, updated_at = excluded.updated_at`);
}

export async function deleteMemberRow(tx: Q, orgId: string, memberId: string): Promise<void> {
  await tx.execute(sql`delete from members where org_id = ${orgId} and id = ${memberId}`);
}

export async function setMemberExtra(tx: Q, orgId: string, memberId: string, extra: bigint, cycleId: string, now: Date): Promise<void> {
  await tx.execute(sql`update members set extra = ${extra.toString()}::bigint, extra_cycle_id = ${cycleId},
    updated_at = ${now.toISOString()}::timestamptz where org_id = ${orgId} and id = ${memberId}`);
}

/** A group goes away: its members move to `toGroupId` and no one manages it any more. */
export async function releaseGroup(tx: Q, orgId: string, groupId: string, toGroupId: string, now: Date): Promise<void> {
  await tx.execute(sql`update members set group_id = ${toGroupId}, updated_at = ${now.toISOString()}::timestamptz
      where org_id = ${orgId} and group_id = ${groupId}`);
  await tx.execute(sql`update members set managed_group_ids = array_remove(managed_group_ids, ${groupId})
      where org_id = ${orgId} and ${groupId} = any(managed_group_ids)`);
}
