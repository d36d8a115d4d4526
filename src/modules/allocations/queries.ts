import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bigOrNull, bool, date, int, mapFirst, mapRows, text, textOf, textOrNull, type DbRow } from '../../db/rows.js';
import type { Cadence } from '../../domain/cycles.js';

export const DEFAULT_GROUP_ID = 'grp_default';

export interface SettingsRow {
  creditsPerCycle: bigint | null;
  cycleCadence: Cadence;
  cycleAnchor: Date;
  creditsPerNewUser: bigint;
  captureExcessPct: number;
  updatedAt: Date;
}

export interface GroupRow {
  id: string;
  name: string;
  isDefault: boolean;
  monthlyAllocation: bigint;
  extra: bigint;
  extraCycleId: string | null;
  autoApproveReserve: bigint;
  createdAt: Date;
  updatedAt: Date;
}

export function toSettingsRow(r: DbRow): SettingsRow {
  return {
    creditsPerCycle: bigOrNull(r.credits_per_cycle),
    cycleCadence: textOf<Cadence>(r.cycle_cadence),
    cycleAnchor: date(r.cycle_anchor),
    creditsPerNewUser: big(r.credits_per_new_user),
    captureExcessPct: int(r.capture_excess_pct),
    updatedAt: date(r.updated_at),
  };
}

export async function findSettings(q: Q, orgId: string): Promise<SettingsRow | undefined> {
  return mapFirst(
    q,
    sql`select credits_per_cycle, cycle_cadence, cycle_anchor, credits_per_new_user, capture_excess_pct, updated_at
        from org_settings where org_id = ${orgId}`,
    toSettingsRow,
  );
}

const GROUP_COLUMNS = sql`id, name, is_default, monthly_allocation, extra, extra_cycle_id, auto_approve_reserve, created_at, updated_at`;

export function toGroupRow(r: DbRow): GroupRow {
  return {
    id: text(r.id),
    name: text(r.name),
    isDefault: bool(r.is_default),
    monthlyAllocation: big(r.monthly_allocation),
    extra: big(r.extra),
    extraCycleId: textOrNull(r.extra_cycle_id),
    autoApproveReserve: big(r.auto_approve_reserve),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

export async function findGroups(q: Q, orgId: string): Promise<GroupRow[]> {
  return mapRows(q, sql`select ${GROUP_COLUMNS} from groups where org_id = ${orgId} order by is_default desc, lower(name), id`, toGroupRow);
}

export async function findGroup(q: Q, orgId: string, groupId: string): Promise<GroupRow | undefined> {
  return mapFirst(q, sql`select ${GROUP_COLUMNS} from groups where org_id = ${orgId} and id = ${groupId}`, toGroupRow);
}

export async function findGroupByName(q: Q, orgId: string, name: string): Promise<GroupRow | undefined> {
  return mapFirst(q, sql`select ${GROUP_COLUMNS} from groups where org_id = ${orgId} and lower(name) = lower(${name})`, toGroupRow);
}

/** Credits reserved by open holds that have not expired, per member. */
export async function findHeldByMember(q: Q, orgId: string, now: Date): Promise<Map<string, bigint>> {
  const found = await mapRows(
    q,
    sql`select member_id, sum(amount)::bigint as held from holds
        where org_id = ${orgId} and status = 'open' and (expires_at is null or expires_at > ${now.toISOString()}::timestamptz)
        group by member_id`,
    (r): [string, bigint] => [text(r.member_id), big(r.held)],
  );
  return new Map(found);
}

/** Credits auto-approved from each group's reserve in a cycle. */
export async function findAutoApproved(q: Q, orgId: string, cycleId: string): Promise<Map<string, bigint>> {
  const found = await mapRows(
    q,
    sql`select group_id, sum(approved_amount)::bigint as total from credit_requests
        where org_id = ${orgId} and cycle_id = ${cycleId} and status = 'auto_approved' group by group_id`,
    (r): [string, bigint] => [text(r.group_id), big(r.total)],
  );
  return new Map(found);
}

/** The organization's budget settings, one column per statement (as the settings update changes them). */
export async function setCreditsPerCycle(tx: Q, orgId: string, limit: bigint | null): Promise<void> {
  await tx.execute(sql`update org_settings set credits_per_cycle = ${limit?.toString() ?? null}::bigint where org_id = ${orgId}`);
}

export async function setCreditsPerNewUser(tx: Q, orgId: string, credits: bigint): Promise<void> {
  await tx.execute(sql`update org_settings set credits_per_new_user = ${credits.toString()}::bigint where org_id = ${orgId}`);
}

export async function setCaptureExcessPct(tx: Q, orgId: string, pct: number): Promise<void> {
  await tx.execute(sql`update org_settings set capture_excess_pct = ${pct} where org_id = ${orgId}`);
}

export async function touchSettings(tx: Q, orgId: string, now: Date): Promise<void> {
  await tx.execute(sql`update org_settings set updated_at = ${now.toISOString()}::timestamptz where org_id = ${orgId}`);
}

/** An organization's first settings (no cycle limit, nothing per new user), unless it has them. */
export async function insertDefaultSettings(tx: Q, orgId: string, cadence: Cadence, anchor: Date, now: Date): Promise<void> {
  await tx.execute(sql`
    insert into org_settings (org_id, credits_per_cycle, cycle_cadence, cycle_anchor, credits_per_new_user, capture_excess_pct, updated_at)
    values (${orgId}, null, ${cadence}, ${anchor.toISOString()}::timestamptz, 0, 0, ${now.toISOString()}::timestamptz)
    on conflict (org_id) do nothing`);
}

/** The default group every member starts in, unless it exists. */
export async function insertDefaultGroup(tx: Q, orgId: string, now: Date): Promise<void> {
  await tx.execute(sql`
    insert into groups (org_id, id, name, is_default, monthly_allocation, extra, extra_cycle_id, auto_approve_reserve, created_at, updated_at)
    values (${orgId}, ${DEFAULT_GROUP_ID}, 'Default', true, 0, 0, null, 0, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
    on conflict do nothing`);
}

/** Cycles restart now with a new cadence. */
export async function setCycleCadence(tx: Q, orgId: string, cadence: Cadence, now: Date): Promise<void> {
  await tx.execute(sql`update org_settings set cycle_anchor = ${now.toISOString()}::timestamptz, cycle_cadence = ${cadence},
    updated_at = ${now.toISOString()}::timestamptz where org_id = ${orgId}`);
}

export async function upsertGroup(tx: Q, orgId: string, g: GroupRow): Promise<void> {
  await tx.execute(sql`
    insert into groups (org_id, id, name, is_default, monthly_allocation, extra, extra_cycle_id, auto_approve_reserve, created_at, updated_at)
    values (${orgId}, ${g.id}, ${g.name}, ${g.isDefault}, ${g.monthlyAllocation.toString()}::bigint, ${g.extra.toString()}::bigint,
      ${g.extraCycleId}, ${g.autoApproveReserve.toString()}::bigint, ${g.createdAt.toISOString()}::timestamptz, ${g.updatedAt.toISOString()}::timestamptz)
    on conflict (org_id, id) do update set name = excluded.name, monthly_allocation = excluded.monthly_allocation,
      extra = excluded.extra, extra_cycle_id = excluded.extra_cycle_id, auto_approve_reserve = excluded.auto_approve_reserve,
      updated_at = excluded.updated_at`);
}

export async function deleteGroupRow(tx: Q, orgId: string, groupId: string): Promise<void> {
  await tx.execute(sql`delete from groups where org_id = ${orgId} and id = ${groupId}`);
}
