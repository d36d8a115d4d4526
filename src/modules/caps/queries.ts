import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import type { CapWindow } from '../../domain/capWindows.js';

export const SCOPE_KINDS = ['org', 'group', 'member', 'project', 'api_key', 'meter'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];
export type CapMode = 'notify' | 'block';

export interface CapRow {
  id: string;
  scopeKind: ScopeKind;
  /** '' for the organization */
  scopeId: string;
  window: CapWindow;
  limit: bigint;
  mode: CapMode;
  notifyAtPercent: number[];
  /** the window the alert state belongs to; null before the first evaluation */
  windowStart: Date | null;
  /** the highest percent already alerted in that window */
  notifiedPct: number;
  createdAt: Date;
  updatedAt: Date;
}

const SELECT_CAP = sql`select id, scope_kind as "scopeKind", scope_id as "scopeId", "window", "limit", mode,
  notify_at_percent as "notifyAtPercent", window_start as "windowStart", notified_pct as "notifiedPct",
  created_at as "createdAt", updated_at as "updatedAt" from caps`;

function toCap(r: CapRow): CapRow {
  return {
    ...r,
    limit: BigInt(r.limit),
    windowStart: r.windowStart === null ? null : new Date(r.windowStart),
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
  };
}

/** An organization's caps, oldest first; `forUpdate` row-locks them for the alert job. */
export async function findCaps(q: Q, orgId: string, opts: { ids?: string[]; forUpdate?: boolean } = {}): Promise<CapRow[]> {
  const ids = opts.ids ? sql`and id = any(${sql.param(opts.ids)}::text[])` : sql``;
  const lock = opts.forUpdate ? sql`for update` : sql``;
  const found = await rows<CapRow>(q, sql`${SELECT_CAP} where org_id = ${orgId} ${ids} order by id ${lock}`);
  return found.map(toCap);
}

export async function orgsWithCaps(q: Q): Promise<string[]> {
  const found = await rows<{ orgId: string }>(q, sql`select distinct org_id as "orgId" from caps order by org_id`);
  return found.map((r) => r.orgId);
}

export async function insertCap(q: Q, orgId: string, cap: CapRow): Promise<void> {
  await q.execute(sql`insert into caps (org_id, id, scope_kind, scope_id, "window", "limit", mode, notify_at_percent,
      window_start, notified_pct, created_at, updated_at)
    values (${orgId}, ${cap.id}, ${cap.scopeKind}, ${cap.scopeId}, ${cap.window}, ${cap.limit.toString()}::bigint, ${cap.mode},
      ${JSON.stringify(cap.notifyAtPercent)}::jsonb, null, 0, ${cap.createdAt.toISOString()}::timestamptz,
      ${cap.updatedAt.toISOString()}::timestamptz)`);
}

export async function updateCapRow(q: Q, orgId: string, cap: CapRow): Promise<void> {
  await q.execute(sql`update caps set "window" = ${cap.window}, "limit" = ${cap.limit.toString()}::bigint, mode = ${cap.mode},
      notify_at_percent = ${JSON.stringify(cap.notifyAtPercent)}::jsonb,
      window_start = ${cap.windowStart?.toISOString() ?? null}::timestamptz, notified_pct = ${cap.notifiedPct},
      updated_at = ${cap.updatedAt.toISOString()}::timestamptz
    where org_id = ${orgId} and id = ${cap.id}`);
}

export async function saveAlertState(q: Q, orgId: string, capId: string, windowStart: Date, notifiedPct: number): Promise<void> {
  await q.execute(sql`update caps set window_start = ${windowStart.toISOString()}::timestamptz, notified_pct = ${notifiedPct}
    where org_id = ${orgId} and id = ${capId}`);
}

export async function deleteCapRow(q: Q, orgId: string, capId: string): Promise<void> {
  await q.execute(sql`delete from caps where org_id = ${orgId} and id = ${capId}`);
}

/** Who is where: members' groups and API keys' members, to scope caps to a manager or a member. */
export async function findMembership(q: Q, orgId: string): Promise<{ groupOf: Map<string, string>; keyOwner: Map<string, string | null> }> {
  const members = await rows<{ id: string; groupId: string }>(q, sql`select id, group_id as "groupId" from members where org_id = ${orgId}`);
  const keys = await rows<{ id: string; memberId: string | null }>(
    q,
    sql`select id, member_id as "memberId" from api_keys where org_id = ${orgId}`,
  );
  return { groupOf: new Map(members.map((m) => [m.id, m.groupId])), keyOwner: new Map(keys.map((k) => [k.id, k.memberId])) };
}

export async function groupExists(q: Q, orgId: string, groupId: string): Promise<boolean> {
  return (await rows(q, sql`select 1 from groups where org_id = ${orgId} and id = ${groupId}`)).length > 0;
}

export async function apiKeyExists(q: Q, orgId: string, keyId: string): Promise<boolean> {
  return (await rows(q, sql`select 1 from api_keys where org_id = ${orgId} and id = ${keyId}`)).length > 0;
}

/** One cap's window, as the usage query reads it. */
export interface CapWindowRow {
  id: string;
  kind: ScopeKind;
  scopeId: string;
  startsAt: Date;
  endsAt: Date;
  /** local dates [startDay, endDay) when whole daily-rollup rows cover the window, else null */
  startDay: string | null;
  endDay: string | null;
}

/**
 * Used and held credits of every cap in one statement. Each cap's figure is
 * a correlated subquery of its own kind, so each one is an index range scan
 * of its window: the daily rollup (tens of rows a month per meter, member and
 * project) when the window is whole local days, the events themselves only
 * for per-key caps and cycles that start mid-day. Usage counts at the day it
 * is booked in the rollup and at its timestamp in events. Open, unexpired
 * holds count as held now, whatever window they were taken in.
 */
export async function sumCapUsage(q: Q, orgId: string, now: Date, caps: CapWindowRow[]): Promise<Map<string, { used: bigint; held: bigint }>> {
  if (caps.length === 0) return new Map();
  const col = <K extends keyof CapWindowRow>(k: K, f: (v: CapWindowRow[K]) => string | null = (v) => v as string) =>
    sql.param(caps.map((c) => f(c[k])));
  const inGroup = (column: string) =>
    sql.raw(`${column} in (select m.id from members m where m.org_id = c.org_id and m.group_id = c.sid)`);
  const daily = (match: ReturnType<typeof sql>) =>
    sql`(select coalesce(sum(d.credits), 0) from usage_daily d
         where d.org_id = c.org_id and d.day >= c.start_day and d.day < c.end_day and ${match})`;
  const events = (match: ReturnType<typeof sql>) =>
    sql`(select coalesce(sum(e.cost_credits), 0) from events e
         where e.org_id = c.org_id and e.timestamp >= c.starts_at and e.timestamp < c.ends_at and e.status <> 'voided' and ${match})`;
  const holds = (match: ReturnType<typeof sql>) =>
    sql`(select coalesce(sum(h.amount), 0) from holds h
         where h.org_id = c.org_id and h.status = 'open' and (h.expires_at is null or h.expires_at > ${now.toISOString()}::timestamptz)
           and ${match})`;
  const found = await rows<{ id: string; used: string | bigint; held: string | bigint }>(
    q,
    sql`select c.id,
      case when c.start_day is not null then
        case c.kind
          when 'org' then ${daily(sql`true`)}
          when 'member' then ${daily(sql`d.user_id = c.sid`)}
          when 'group' then ${daily(inGroup('d.user_id'))}
          when 'project' then ${daily(sql`d.project = c.sid`)}
          when 'meter' then ${daily(sql`d.meter = c.sid`)}
          else ${events(sql`e.api_key_id = c.sid`)} end
      else
        case c.kind
          when 'org' then ${events(sql`true`)}
          when 'member' then ${events(sql`e.user_id = c.sid`)}
          when 'group' then ${events(inGroup('e.user_id'))}
          when 'project' then ${events(sql`e.project = c.sid`)}
          when 'meter' then ${events(sql`e.meter = c.sid`)}
          else ${events(sql`e.api_key_id = c.sid`)} end
      end as used,
      case c.kind
        when 'org' then ${holds(sql`true`)}
        when 'member' then ${holds(sql`h.member_id = c.sid`)}
        when 'group' then ${holds(inGroup('h.member_id'))}
        when 'project' then ${holds(sql`h.project = c.sid`)}
        when 'api_key' then ${holds(sql`h.api_key_id = c.sid`)}
        else 0 end as held
    from (select ${orgId}::text as org_id, u.id, u.kind, u.sid, u.starts_at::timestamptz as starts_at, u.ends_at::timestamptz as ends_at,
            u.start_day::date as start_day, u.end_day::date as end_day
          from unnest(${col('id')}::text[], ${col('kind')}::text[], ${col('scopeId')}::text[],
            ${col('startsAt', (d) => d.toISOString())}::text[], ${col('endsAt', (d) => d.toISOString())}::text[],
            ${col('startDay')}::text[], ${col('endDay')}::text[])
            as u(id, kind, sid, starts_at, ends_at, start_day, end_day)) c`,
  );
  return new Map(found.map((r) => [r.id, { used: BigInt(r.used), held: BigInt(r.held) }]));
}

export async function memberExists(q: Q, orgId: string, memberId: string): Promise<boolean> {
  return (await rows(q, sql`select 1 from members where org_id = ${orgId} and id = ${memberId}`)).length > 0;
}
