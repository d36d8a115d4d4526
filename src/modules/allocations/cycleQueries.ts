/**
 * Allocation cycles (SPEC, allocations): the cycles table, which cycle a
 * usage line falls in, and the usage counted per cycle and member.
 */

import { sql, type SQL } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { writeTogether } from '../../db/together.js';
import { big, bigOrNull, date, dateOrNull, int, mapFirst, mapRows, text, textOf, type DbRow } from '../../db/rows.js';
import type { Cadence } from '../../domain/cycles.js';

export interface CycleRow {
  id: string;
  seq: number;
  startsAt: Date;
  endsAt: Date;
  cadence: Cadence;
  creditsPerCycle: bigint | null;
  closedAt: Date | null;
}

export const cycleIdOf = (seq: number): string => `cyc_${String(seq).padStart(6, '0')}`;

const CYCLE_COLUMNS = sql`id, seq, starts_at, ends_at, cadence, credits_per_cycle, closed_at`;

export function toCycleRow(r: DbRow): CycleRow {
  return {
    id: text(r.id),
    seq: int(r.seq),
    startsAt: date(r.starts_at),
    endsAt: date(r.ends_at),
    cadence: textOf<Cadence>(r.cadence),
    creditsPerCycle: bigOrNull(r.credits_per_cycle),
    closedAt: dateOrNull(r.closed_at),
  };
}

export async function findLatestCycle(q: Q, orgId: string): Promise<CycleRow | undefined> {
  return mapFirst(q, sql`select ${CYCLE_COLUMNS} from cycles where org_id = ${orgId} order by seq desc limit 1`, toCycleRow);
}

/** The latest cycle of each of several organizations, in one read. */
export async function findLatestCycles(q: Q, orgIds: string[]): Promise<Map<string, CycleRow>> {
  const found = await mapRows(
    q,
    sql`select distinct on (org_id) org_id as "orgId", ${CYCLE_COLUMNS} from cycles
        where org_id = any(${sql.param(orgIds)}::text[]) order by org_id, seq desc`,
    (r) => ({ orgId: text(r.orgId), cycle: toCycleRow(r) }),
  );
  return new Map(found.map((f) => [f.orgId, f.cycle]));
}

export interface CycleUsageRow extends CycleRow {
  used: bigint;
}

export function toCycleUsageRow(r: DbRow): CycleUsageRow {
  return { ...toCycleRow(r), used: big(r.used) };
}

/** Cycles newest first, each with the organization's usage in it. */
export async function findCycles(q: Q, orgId: string, beforeSeq: number | undefined, limit: number): Promise<CycleUsageRow[]> {
  return mapRows(
    q,
    sql`select ${CYCLE_COLUMNS}, coalesce((select used from cycle_usage u
            where u.org_id = c.org_id and u.cycle_id = c.id and u.member_id = ''), 0) as used
        from cycles c where org_id = ${orgId} ${beforeSeq === undefined ? sql`` : sql`and seq < ${beforeSeq}`}
        order by seq desc limit ${limit}`,
    toCycleUsageRow,
  );
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

/** A cycle_usage row: '' is the whole organization's line. */
const toMemberUsage = (r: DbRow): { memberId: string; used: bigint } => ({ memberId: text(r.member_id), used: big(r.used) });

/** Usage booked in a cycle: the organization's total and each member's. */
export async function findCycleUsage(q: Q, orgId: string, cycleId: string): Promise<{ total: bigint; byMember: Map<string, bigint> }> {
  const found = await mapRows(
    q,
    sql`select member_id, used from cycle_usage where org_id = ${orgId} and cycle_id = ${cycleId}`,
    toMemberUsage,
  );
  const byMember = new Map<string, bigint>();
  let total = 0n;
  for (const r of found) {
    if (r.memberId === '') total = r.used;
    else byMember.set(r.memberId, r.used);
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
  await writeTogether(tx, [cycleUsageWrite(now, [{ orgId, lines }])]);
}

/**
 * The upsert of usage lines of several organizations, for writeTogether (one
 * INSERT, no WITH): each line counts once for the organization (member '') and
 * once more for its member when its user is one. Undefined when there is
 * nothing to count.
 */
export function cycleUsageWrite(now: Date, of: { orgId: string; lines: { userId: string | null; at: Date; credits: bigint }[] }[]): SQL | undefined {
  // negative lines come from usage corrections (src/modules/corrections)
  const used = of.flatMap(({ orgId, lines }) => lines.filter((l) => l.credits !== 0n).map((l) => ({ orgId, ...l })));
  if (used.length === 0) return undefined;
  return sql`
    insert into cycle_usage (org_id, cycle_id, member_id, used)
    select x.org_id, c.id, k.member_id, sum(x.credits)::bigint
    from unnest(${sql.param(used.map((l) => l.orgId))}::text[], ${sql.param(used.map((l) => l.userId))}::text[],
        ${sql.param(used.map((l) => l.at.toISOString()))}::timestamptz[],
        ${sql.param(used.map((l) => l.credits.toString()))}::bigint[]) as x(org_id, user_id, at, credits)
      left join members m on m.org_id = x.org_id and m.id = x.user_id
      cross join lateral (select '' as member_id union all select m.id where m.id is not null) k
      join cycles c on c.org_id = x.org_id and c.starts_at <= least(x.at, ${now.toISOString()}::timestamptz)
        and least(x.at, ${now.toISOString()}::timestamptz) < c.ends_at
    group by x.org_id, c.id, k.member_id
    order by x.org_id, c.id, k.member_id
    on conflict (org_id, cycle_id, member_id) do update set used = cycle_usage.used + excluded.used`;
}

/** Organizations whose open cycle has ended (the cycle-rollover job). */
export async function findOrgsWithEndedCycles(q: Q, now: Date): Promise<string[]> {
  return mapRows(
    q,
    sql`select distinct org_id from cycles where closed_at is null and ends_at <= ${now.toISOString()}::timestamptz`,
    (r) => text(r.org_id),
  );
}

/** A new credits-per-cycle limit applies to the current cycle too. */
export async function setCycleCreditsPerCycle(tx: Q, orgId: string, cycleId: string, limit: bigint | null): Promise<void> {
  await tx.execute(sql`update cycles set credits_per_cycle = ${limit?.toString() ?? null}::bigint where org_id = ${orgId} and id = ${cycleId}`);
}
