import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import type { Cadence } from '../../domain/cycles.js';
import type { Role } from '../../http/auth.js';

export const DEFAULT_GROUP_ID = 'grp_default';

export interface SettingsRow {
  creditsPerCycle: bigint | null;
  cycleCadence: Cadence;
  cycleAnchor: Date;
  creditsPerNewUser: bigint;
  captureExcessPct: number;
  updatedAt: Date;
}

export interface CycleRow {
  id: string;
  seq: number;
  startsAt: Date;
  endsAt: Date;
  cadence: Cadence;
  creditsPerCycle: bigint | null;
  closedAt: Date | null;
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

const big = (v: unknown): bigint => BigInt(v as string);
const bigOrNull = (v: unknown): bigint | null => (v === null || v === undefined ? null : BigInt(v as string));
const date = (v: unknown): Date => new Date(v as string);

export const cycleIdOf = (seq: number): string => `cyc_${String(seq).padStart(6, '0')}`;

export async function findSettings(q: Q, orgId: string): Promise<SettingsRow | undefined> {
  const [r] = await rows<Record<string, unknown>>(
    q,
    sql`select credits_per_cycle, cycle_cadence, cycle_anchor, credits_per_new_user, capture_excess_pct, updated_at
        from org_settings where org_id = ${orgId}`,
  );
  if (!r) return undefined;
  return {
    creditsPerCycle: bigOrNull(r.credits_per_cycle),
    cycleCadence: r.cycle_cadence as Cadence,
    cycleAnchor: date(r.cycle_anchor),
    creditsPerNewUser: big(r.credits_per_new_user),
    captureExcessPct: Number(r.capture_excess_pct),
    updatedAt: date(r.updated_at),
  };
}

const CYCLE_COLUMNS = sql`id, seq, starts_at, ends_at, cadence, credits_per_cycle, closed_at`;

export function toCycle(r: Record<string, unknown>): CycleRow {
  return {
    id: r.id as string,
    seq: Number(r.seq),
    startsAt: date(r.starts_at),
    endsAt: date(r.ends_at),
    cadence: r.cadence as Cadence,
    creditsPerCycle: bigOrNull(r.credits_per_cycle),
    closedAt: r.closed_at === null ? null : date(r.closed_at),
  };
}

export async function findLatestCycle(q: Q, orgId: string): Promise<CycleRow | undefined> {
  const [r] = await rows<Record<string, unknown>>(
    q,
    sql`select ${CYCLE_COLUMNS} from cycles where org_id = ${orgId} order by seq desc limit 1`,
  );
  return r && toCycle(r);
}

/** Cycles newest first, each with the organization's usage in it. */
export async function findCycles(q: Q, orgId: string, beforeSeq: number | undefined, limit: number) {
  const found = await rows<Record<string, unknown>>(
    q,
    sql`select ${CYCLE_COLUMNS}, coalesce((select used from cycle_usage u
            where u.org_id = c.org_id and u.cycle_id = c.id and u.member_id = ''), 0) as used
        from cycles c where org_id = ${orgId} ${beforeSeq === undefined ? sql`` : sql`and seq < ${beforeSeq}`}
        order by seq desc limit ${limit}`,
  );
  return found.map((r) => ({ ...toCycle(r), used: big(r.used) }));
}

export async function insertCycle(tx: Q, orgId: string, c: CycleRow): Promise<void> {
  await tx.execute(sql`
    insert into cycles (org_id, id, seq, starts_at, ends_at, cadence, credits_per_cycle, closed_at)
    values (${orgId}, ${c.id}, ${c.seq}, ${c.startsAt.toISOString()}::timestamptz, ${c.endsAt.toISOString()}::timestamptz,
      ${c.cadence}, ${c.creditsPerCycle?.toString() ?? null}::bigint, null)`);
}

export async function closeCycle(tx: Q, orgId: string, cycleId: string, at: Date): Promise<void> {
  await tx.execute(sql`update cycles set ends_at = ${at.toISOString()}::timestamptz, closed_at = ${at.toISOString()}::timestamptz
    where org_id = ${orgId} and id = ${cycleId}`);
}

/** Usage booked in a cycle: the organization's total and each member's. */
export async function findCycleUsage(q: Q, orgId: string, cycleId: string): Promise<{ total: bigint; byMember: Map<string, bigint> }> {
  const found = await rows<{ member_id: string; used: unknown }>(
    q,
    sql`select member_id, used from cycle_usage where org_id = ${orgId} and cycle_id = ${cycleId}`,
  );
  const byMember = new Map<string, bigint>();
  let total = 0n;
  for (const r of found) {
    if (r.member_id === '') total = big(r.used);
    else byMember.set(r.member_id, big(r.used));
  }
  return { total, byMember };
}

/**
 * Adds usage to the cycle counters in one set-based upsert: each usage line
 * counts for the whole organization and, when its user is a member, for that
 * member, in the cycle whose range contains its booking time.
 */
export async function addCycleUsage(
  tx: Q,
  orgId: string,
  now: Date,
  lines: { userId: string | null; at: Date; credits: bigint }[],
): Promise<void> {
  // negative lines come from usage corrections (src/modules/corrections)
  const used = lines.filter((l) => l.credits !== 0n);
  if (used.length === 0) return;
  await tx.execute(sql`
    with x as (
      select u.user_id, least(u.at, ${now.toISOString()}::timestamptz) as at, u.credits
      from unnest(${sql.param(used.map((l) => l.userId))}::text[], ${sql.param(used.map((l) => l.at.toISOString()))}::timestamptz[],
        ${sql.param(used.map((l) => l.credits.toString()))}::bigint[]) as u(user_id, at, credits)
    ), keyed as (
      select '' as member_id, at, credits from x
      union all
      select m.id, x.at, x.credits from x join members m on m.org_id = ${orgId} and m.id = x.user_id
    )
    insert into cycle_usage (org_id, cycle_id, member_id, used)
    select ${orgId}, c.id, k.member_id, sum(k.credits)::bigint
    from keyed k join cycles c on c.org_id = ${orgId} and c.starts_at <= k.at and k.at < c.ends_at
    group by c.id, k.member_id
    order by c.id, k.member_id
    on conflict (org_id, cycle_id, member_id) do update set used = cycle_usage.used + excluded.used`);
}

const GROUP_COLUMNS = sql`id, name, is_default, monthly_allocation, extra, extra_cycle_id, auto_approve_reserve, created_at, updated_at`;

function toGroup(r: Record<string, unknown>): GroupRow {
  return {
    id: r.id as string,
    name: r.name as string,
    isDefault: Boolean(r.is_default),
    monthlyAllocation: big(r.monthly_allocation),
    extra: big(r.extra),
    extraCycleId: (r.extra_cycle_id as string | null) ?? null,
    autoApproveReserve: big(r.auto_approve_reserve),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

export async function findGroups(q: Q, orgId: string): Promise<GroupRow[]> {
  const found = await rows<Record<string, unknown>>(
    q,
    sql`select ${GROUP_COLUMNS} from groups where org_id = ${orgId} order by is_default desc, lower(name), id`,
  );
  return found.map(toGroup);
}

export async function findGroup(q: Q, orgId: string, groupId: string): Promise<GroupRow | undefined> {
  const [r] = await rows<Record<string, unknown>>(q, sql`select ${GROUP_COLUMNS} from groups where org_id = ${orgId} and id = ${groupId}`);
  return r && toGroup(r);
}

export async function findGroupByName(q: Q, orgId: string, name: string): Promise<GroupRow | undefined> {
  const [r] = await rows<Record<string, unknown>>(
    q,
    sql`select ${GROUP_COLUMNS} from groups where org_id = ${orgId} and lower(name) = lower(${name})`,
  );
  return r && toGroup(r);
}

const MEMBER_COLUMNS = sql`id, email, name, role, group_id, monthly, extra, extra_cycle_id, managed_group_ids, created_at, updated_at`;

function toMember(r: Record<string, unknown>): MemberRow {
  return {
    id: r.id as string,
    email: r.email as string,
    name: r.name as string,
    role: r.role as Role,
    groupId: r.group_id as string,
    monthly: bigOrNull(r.monthly),
    extra: big(r.extra),
    extraCycleId: (r.extra_cycle_id as string | null) ?? null,
    managedGroupIds: (r.managed_group_ids as string[] | null) ?? [],
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
  const found = await rows<Record<string, unknown>>(
    q,
    sql`select ${MEMBER_COLUMNS} from members where ${sql.join(conditions, sql` and `)} order by id
        ${f.limit === undefined ? sql`` : sql`limit ${f.limit}`}`,
  );
  return found.map(toMember);
}

export async function findMember(q: Q, orgId: string, memberId: string): Promise<MemberRow | undefined> {
  const [r] = await rows<Record<string, unknown>>(q, sql`select ${MEMBER_COLUMNS} from members where org_id = ${orgId} and id = ${memberId}`);
  return r && toMember(r);
}

/** Credits reserved by open holds that have not expired, per member. */
export async function findHeldByMember(q: Q, orgId: string, now: Date): Promise<Map<string, bigint>> {
  const found = await rows<{ member_id: string; held: unknown }>(
    q,
    sql`select member_id, sum(amount)::bigint as held from holds
        where org_id = ${orgId} and status = 'open' and (expires_at is null or expires_at > ${now.toISOString()}::timestamptz)
        group by member_id`,
  );
  return new Map(found.map((r) => [r.member_id, big(r.held)]));
}

/** Credits auto-approved from each group's reserve in a cycle. */
export async function findAutoApproved(q: Q, orgId: string, cycleId: string): Promise<Map<string, bigint>> {
  const found = await rows<{ group_id: string; total: unknown }>(
    q,
    sql`select group_id, sum(approved_amount)::bigint as total from credit_requests
        where org_id = ${orgId} and cycle_id = ${cycleId} and status = 'auto_approved' group by group_id`,
  );
  return new Map(found.map((r) => [r.group_id, big(r.total)]));
}
