import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bigOrNull, date, dateOrNull, int, json, mapFirst, mapRows, text, textOf, textOrNull, type DbRow } from '../../db/rows.js';
import type { CapWindow } from '../../domain/capWindows.js';
import { groupsOfMembers } from '../members/index.js';

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

function toCap(r: DbRow): CapRow {
  return {
    id: text(r.id),
    scopeKind: textOf<ScopeKind>(r.scopeKind),
    scopeId: text(r.scopeId),
    window: textOf<CapWindow>(r.window),
    limit: big(r.limit),
    mode: textOf<CapMode>(r.mode),
    notifyAtPercent: json<number[]>(r.notifyAtPercent),
    windowStart: dateOrNull(r.windowStart),
    notifiedPct: int(r.notifiedPct),
    createdAt: date(r.createdAt),
    updatedAt: date(r.updatedAt),
  };
}

/** An organization's caps, oldest first; `forUpdate` row-locks them for the alert job. */
export async function findCaps(q: Q, orgId: string, opts: { ids?: string[]; forUpdate?: boolean } = {}): Promise<CapRow[]> {
  const ids = opts.ids ? sql`and id = any(${sql.param(opts.ids)}::text[])` : sql``;
  const lock = opts.forUpdate ? sql`for update` : sql``;
  return mapRows(q, sql`${SELECT_CAP} where org_id = ${orgId} ${ids} order by id ${lock}`, toCap);
}

export async function orgsWithCaps(q: Q): Promise<string[]> {
  return mapRows(q, sql`select distinct org_id as "orgId" from caps order by org_id`, (r) => text(r.orgId));
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

function toKeyOwner(r: DbRow): [string, string | null] {
  return [text(r.id), textOrNull(r.memberId)];
}

/** Who is where: members' groups and API keys' members, to scope caps to a manager or a member. */
export async function findMembership(q: Q, orgId: string): Promise<{ groupOf: Map<string, string>; keyOwner: Map<string, string | null> }> {
  const groupOf = await groupsOfMembers(q, orgId);
  const keys = await mapRows(q, sql`select id, member_id as "memberId" from api_keys where org_id = ${orgId}`, toKeyOwner);
  return { groupOf, keyOwner: new Map(keys) };
}

export async function groupExists(q: Q, orgId: string, groupId: string): Promise<boolean> {
  return (await mapFirst(q, sql`select 1 as one from groups where org_id = ${orgId} and id = ${groupId}`, () => true)) ?? false;
}

export async function apiKeyExists(q: Q, orgId: string, keyId: string): Promise<boolean> {
  return (await mapFirst(q, sql`select 1 as one from api_keys where org_id = ${orgId} and id = ${keyId}`, () => true)) ?? false;
}

/** One cap's window, as the usage queries read it. */
export interface CapWindowRow {
  id: string;
  kind: ScopeKind;
  scopeId: string;
  startsAt: Date;
  endsAt: Date;
}

const capTable = (caps: CapWindowRow[]) => {
  const col = <K extends keyof CapWindowRow>(k: K, f: (v: CapWindowRow[K]) => string = (v) => v as string) => sql.param(caps.map((c) => f(c[k])));
  return sql`unnest(${col('id')}::text[], ${col('kind')}::text[], ${col('scopeId')}::text[],
    ${col('startsAt', (d) => d.toISOString())}::timestamptz[], ${col('endsAt', (d) => d.toISOString())}::timestamptz[])
    as c(id, kind, sid, starts_at, ends_at)`;
};

function toCapUsed(r: DbRow): [string, bigint] {
  return [text(r.id), big(r.used)];
}

/**
 * Used credits of each cap's window recomputed from the facts: accepted
 * events by their timestamp and captured holds by their capture time (a
 * capture has no meter, so meter caps do not see it). Exact but it sums the
 * window: the counters (cap_counters) are seeded from it once per window,
 * then kept by the write path.
 */
export async function recomputeCapUsed(q: Q, orgId: string, caps: CapWindowRow[]): Promise<Map<string, bigint>> {
  if (caps.length === 0) return new Map();
  const groupMatch = (column: string) => sql`${column === 'e' ? sql`e.user_id` : sql`h.member_id`} in (select m.id from members m where m.org_id = ${orgId} and m.group_id = c.sid)`;
  const events = sql`(select coalesce(sum(e.cost_credits), 0) from events e
      where e.org_id = ${orgId} and e.timestamp >= c.starts_at and e.timestamp < c.ends_at and e.status <> 'voided' and case c.kind
        when 'org' then true when 'member' then e.user_id = c.sid when 'group' then ${groupMatch('e')}
        when 'project' then e.project = c.sid when 'meter' then e.meter = c.sid else e.api_key_id = c.sid end)`;
  const captured = sql`(select coalesce(sum(h.captured_amount), 0) from holds h
      where h.org_id = ${orgId} and h.status = 'captured' and h.closed_at >= c.starts_at and h.closed_at < c.ends_at and case c.kind
        when 'org' then true when 'member' then h.member_id = c.sid when 'group' then ${groupMatch('h')}
        when 'project' then h.project = c.sid when 'meter' then false else h.api_key_id = c.sid end)`;
  const found = await mapRows(q, sql`select c.id, ${events} + ${captured} as used from ${capTable(caps)}`, toCapUsed);
  return new Map(found);
}

function toCapCounter(r: DbRow): [string, { used: bigint | null; held: bigint }] {
  return [text(r.id), { used: bigOrNull(r.used), held: big(r.held) }];
}

/**
 * What admission needs of each cap, in one statement: the counter of its
 * current window (null when none is kept yet) and the credits of open,
 * unexpired holds it sees (held now, whatever window they were taken in).
 */
export async function readCapCounters(
  q: Q,
  orgId: string,
  now: Date,
  caps: CapWindowRow[],
): Promise<Map<string, { used: bigint | null; held: bigint }>> {
  if (caps.length === 0) return new Map();
  const found = await mapRows(
    q,
    sql`with open_holds as (
          select h.member_id, h.project, h.api_key_id, h.amount, m.group_id from holds h
            left join members m on m.org_id = h.org_id and m.id = h.member_id
          where h.org_id = ${orgId} and h.status = 'open' and (h.expires_at is null or h.expires_at > ${now.toISOString()}::timestamptz))
        select c.id,
          (select k.used from cap_counters k where k.org_id = ${orgId} and k.cap_id = c.id and k.window_start = c.starts_at) as used,
          (select coalesce(sum(o.amount), 0) from open_holds o where case c.kind
             when 'org' then true when 'member' then o.member_id = c.sid when 'group' then o.group_id = c.sid
             when 'project' then o.project = c.sid when 'api_key' then o.api_key_id = c.sid else false end) as held
        from ${capTable(caps)}`,
    toCapCounter,
  );
  return new Map(found);
}

/** Adds to the counters of windows already counted; a window not counted yet is seeded by the caller. */
export async function addToCapCounters(q: Q, orgId: string, deltas: { capId: string; windowStart: Date; delta: bigint }[]): Promise<void> {
  if (deltas.length === 0) return;
  await q.execute(sql`update cap_counters k set used = k.used + u.delta
    from unnest(${sql.param(deltas.map((d) => d.capId))}::text[], ${sql.param(deltas.map((d) => d.windowStart.toISOString()))}::timestamptz[],
      ${sql.param(deltas.map((d) => d.delta.toString()))}::bigint[]) as u(cap_id, window_start, delta)
    where k.org_id = ${orgId} and k.cap_id = u.cap_id and k.window_start = u.window_start`);
}

export async function insertCapCounters(q: Q, orgId: string, seeds: { capId: string; windowStart: Date; used: bigint }[]): Promise<void> {
  if (seeds.length === 0) return;
  await q.execute(sql`insert into cap_counters (org_id, cap_id, window_start, used)
    select ${orgId}, u.cap_id, u.window_start, u.used
    from unnest(${sql.param(seeds.map((d) => d.capId))}::text[], ${sql.param(seeds.map((d) => d.windowStart.toISOString()))}::timestamptz[],
      ${sql.param(seeds.map((d) => d.used.toString()))}::bigint[]) as u(cap_id, window_start, used)
    on conflict (org_id, cap_id, window_start) do update set used = excluded.used`);
}

/** Which counters exist among the given (cap, window) pairs. */
export async function existingCapCounters(q: Q, orgId: string, keys: { capId: string; windowStart: Date }[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const found = await mapRows(
    q,
    sql`select cap_id as "capId", window_start as "windowStart" from cap_counters
        where org_id = ${orgId} and (cap_id, window_start) in (
          select * from unnest(${sql.param(keys.map((k) => k.capId))}::text[], ${sql.param(keys.map((k) => k.windowStart.toISOString()))}::timestamptz[]))`,
    (r) => counterKey(text(r.capId), date(r.windowStart)),
  );
  return new Set(found);
}

export const counterKey = (capId: string, windowStart: Date) => `${capId}@${windowStart.toISOString()}`;

export async function deleteCapCounters(q: Q, orgId: string, capId: string): Promise<void> {
  await q.execute(sql`delete from cap_counters where org_id = ${orgId} and cap_id = ${capId}`);
}

