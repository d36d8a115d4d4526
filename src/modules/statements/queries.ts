import { sql, type SQL } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { idsAfter } from '../../db/ranges.js';
import { writeTogether } from '../../db/together.js';
import { big, date, mapFirst, mapRows, text, textOrNull, type DbRow } from '../../db/rows.js';
import { zeroFlows, type DayFlows, type StatementDay, type StatementSummary } from '../../domain/statement.js';

const BALANCE_TO = sql`(to_account like 'block:%' or to_account in ('held', 'overage'))`;
const BALANCE_FROM = sql`(from_account like 'block:%' or from_account in ('held', 'overage'))`;
const OTHER_GRANT = sql`coalesce(ref, '') not in ('purchased', 'adjustment')`;
/** an expiry beyond a rollover cap is booked with ref 'forfeited' (src/modules/schedules/rollover.ts) */
const NOT_FORFEITED = sql`coalesce(ref, '') <> 'forfeited'`;

/**
 * How each entry counts in a statement, signed from the organization's side.
 * Grant entries carry their grant's source in `ref`; voids count as negative
 * adjustments; `net` is the change of the balance accounts (blocks, held,
 * overage), summed independently of the classification.
 */
const FLOWS = sql`
  coalesce(sum(case when from_account = 'issued' and ref = 'purchased' then amount
    when to_account = 'issued' and ref = 'purchased' then -amount end), 0)::bigint as purchased,
  coalesce(sum(case when from_account = 'issued' and ${OTHER_GRANT} then amount
    when to_account = 'issued' and ${OTHER_GRANT} then -amount end), 0)::bigint as granted,
  coalesce(sum(case when from_account = 'issued' and ref = 'adjustment' then amount
    when to_account = 'issued' and ref = 'adjustment' then -amount
    when to_account = 'voided' then -amount when from_account = 'voided' then amount end), 0)::bigint as adjustments,
  coalesce(sum(case when to_account = 'consumed' then amount when from_account = 'consumed' then -amount end), 0)::bigint as consumed,
  coalesce(sum(case when from_account = 'overage' and to_account = 'consumed' then amount
    when from_account = 'consumed' and to_account = 'overage' then -amount end), 0)::bigint as overage,
  coalesce(sum(case when to_account = 'expired' and ${NOT_FORFEITED} then amount
    when from_account = 'expired' and ${NOT_FORFEITED} then -amount end), 0)::bigint as expired,
  coalesce(sum(case when type = 'rollover' and to_account = 'rollover' then amount end), 0)::bigint as rolled_over,
  coalesce(sum(case when to_account = 'expired' and ref = 'forfeited' then amount
    when from_account = 'expired' and ref = 'forfeited' then -amount end), 0)::bigint as forfeited,
  coalesce(sum(case when type = 'adjustment' and from_account = 'consumed' then amount
    when type = 'adjustment' and to_account = 'consumed' then -amount end), 0)::bigint as corrections,
  coalesce(sum(case when ${BALANCE_TO} then amount else 0 end - case when ${BALANCE_FROM} then amount else 0 end), 0)::bigint as net`;

const localDay = (column: SQL, zone: string) => sql`(${column} at time zone ${zone})::date`;

/** The last ledger entry id folded into ledger_daily. */
const toWatermark = (r: DbRow): bigint => big(r.last);

/**
 * Folds the entries written since the last fold into ledger_daily. Runs in a
 * transaction that holds the organization lock, so no entry of this
 * organization with a smaller id can still commit afterwards.
 */
export async function foldLedger(tx: Q, orgId: string, zone: string): Promise<void> {
  await writeTogether(tx, foldWrites([{ orgId, zone }]));
}

/**
 * The fold of these organizations (each with its own time zone) as two
 * writes, sent in one statement (db/together.ts), usually with the last
 * write of the transaction that changed the credits (issue 10: no round trip
 * of its own): each organization's new entries added into ledger_daily, and
 * its watermark moved past them. Both read the watermark as it was before
 * the statement (every part of one statement sees one snapshot), so both see
 * the same new entries. Each organization's new entries are a range scan of
 * its part of the ledger (test/query-plans.test.ts): the lateral subquery
 * with `offset 0` is not flattened into a join, which the planner ran as a
 * scan of the whole ledger, and `idsAfter` keeps the range on the primary key.
 */
export function foldWrites(of: { orgId: string; zone: string }[]): SQL[] {
  // an organization named twice would be folded twice
  const orgs = [...new Map(of.map((o) => [o.orgId, o])).values()];
  if (orgs.length === 0) return [];
  const fresh = sql`(
    select e.*, o.zone from (
      select u.org_id, u.zone, coalesce(f.last_entry_id, 0) as last
      from unnest(${sql.param(orgs.map((o) => o.orgId))}::text[], ${sql.param(orgs.map((o) => o.zone))}::text[]) as u(org_id, zone)
      left join ledger_fold f on f.org_id = u.org_id
    ) o cross join lateral (
      select * from ledger_entries l where l.org_id = o.org_id and ${idsAfter(sql`l.id`, sql`o.last`)} offset 0
    ) e) as fresh`;
  return [
    sql`insert into ledger_daily (org_id, day, purchased, granted, adjustments, consumed, overage, expired, rolled_over,
        forfeited, corrections, net)
      select org_id, (occurred_at at time zone zone)::date as day, ${FLOWS}
      from ${fresh} group by 1, 2 order by 1, 2
      on conflict (org_id, day) do update set
        purchased = ledger_daily.purchased + excluded.purchased, granted = ledger_daily.granted + excluded.granted,
        adjustments = ledger_daily.adjustments + excluded.adjustments, consumed = ledger_daily.consumed + excluded.consumed,
        overage = ledger_daily.overage + excluded.overage, expired = ledger_daily.expired + excluded.expired,
        rolled_over = ledger_daily.rolled_over + excluded.rolled_over, forfeited = ledger_daily.forfeited + excluded.forfeited,
        corrections = ledger_daily.corrections + excluded.corrections, net = ledger_daily.net + excluded.net`,
    sql`insert into ledger_fold (org_id, last_entry_id) select org_id, max(id) from ${fresh} group by org_id order by org_id
      on conflict (org_id) do update set last_entry_id = excluded.last_entry_id`,
  ];
}

/** A row of flows: one local day's, or (day null) everything before the range. */
function toFlowRow(r: DbRow): { day: string | null; flows: Omit<DayFlows, 'day'> } {
  return {
    day: textOrNull(r.day),
    flows: {
      purchased: big(r.purchased),
      granted: big(r.granted),
      adjustments: big(r.adjustments),
      consumed: big(r.consumed),
      overage: big(r.overage),
      expired: big(r.expired),
      rolledOver: big(r.rolled_over),
      forfeited: big(r.forfeited),
      corrections: big(r.corrections),
      net: big(r.net),
    },
  };
}

/**
 * The flows of every local day in [fromDay, toDay) and, as `before`, the sum
 * of everything earlier (whose `net` is the balance brought forward). Reads
 * the folded days plus the entries not folded yet. With `pendingExpiriesAt`,
 * blocks whose expiry is due but not booked yet count as expired at their
 * `expires_at`: reads never depend on the scheduler having run.
 */
export async function readFlows(
  q: Q,
  args: { orgId: string; zone: string; fromDay: string; toDay: string; pendingExpiriesAt: Date | null },
): Promise<{ before: DayFlows; days: Map<string, DayFlows> }> {
  const { orgId, zone, fromDay, toDay } = args;
  // The watermark is read first and passed as a value: hidden in a subquery, the
  // planner cannot tell that few entries lie above it and scans the whole ledger.
  const fold = await mapFirst(q, sql`select last_entry_id as last from ledger_fold where org_id = ${orgId}`, toWatermark);
  const folded = (fold ?? 0n).toString();
  const pending = args.pendingExpiriesAt
    ? sql`union all
        select ${localDay(sql`expires_at`, zone)}, 0, 0, 0, 0, 0, remaining, 0, 0, 0, -remaining from blocks
        where org_id = ${orgId} and expiry_booked_at is null and remaining > 0
          and expires_at <= ${args.pendingExpiriesAt.toISOString()}::timestamptz`
    : sql``;
  const found = await mapRows(
    q,
    sql`select case when day < ${fromDay}::date then null else day::text end as day,
          sum(purchased)::bigint as purchased, sum(granted)::bigint as granted, sum(adjustments)::bigint as adjustments,
          sum(consumed)::bigint as consumed, sum(overage)::bigint as overage, sum(expired)::bigint as expired,
          sum(rolled_over)::bigint as rolled_over, sum(forfeited)::bigint as forfeited, sum(corrections)::bigint as corrections, sum(net)::bigint as net
        from (
          select day, purchased, granted, adjustments, consumed, overage, expired, rolled_over, forfeited, corrections, net from ledger_daily
            where org_id = ${orgId} and day < ${toDay}::date
          union all
          select ${localDay(sql`occurred_at`, zone)}, ${FLOWS} from ledger_entries
            where org_id = ${orgId} and id > ${folded}::bigint
            group by 1
          ${pending}
        ) x
        where day < ${toDay}::date
        group by 1`,
    toFlowRow,
  );
  const beforeRow = found.find((r) => r.day === null);
  const before: DayFlows = beforeRow ? { day: '', ...beforeRow.flows } : zeroFlows('');
  const days = new Map(found.filter((r) => r.day !== null).map((r) => [r.day!, { day: r.day!, ...r.flows }]));
  return { before, days };
}

export interface StoredStatement extends StatementSummary {
  period: string;
  startsAt: Date;
  endsAt: Date;
  closedAt: Date;
}

export function toStoredStatement(r: DbRow): StoredStatement {
  return {
    period: text(r.period),
    startsAt: date(r.starts_at),
    endsAt: date(r.ends_at),
    closedAt: date(r.closed_at),
    broughtForward: big(r.brought_forward),
    purchased: big(r.purchased),
    granted: big(r.granted),
    adjustments: big(r.adjustments),
    consumed: big(r.consumed),
    expired: big(r.expired),
    rolledOver: big(r.rolled_over),
    forfeited: big(r.forfeited),
    corrections: big(r.corrections),
    closing: big(r.closing),
  };
}

export async function findStatement(q: Q, orgId: string, period: string): Promise<StoredStatement | undefined> {
  return mapFirst(
    q,
    sql`select period, starts_at, ends_at, brought_forward, purchased, granted, adjustments, consumed, expired, rolled_over,
          forfeited, corrections, closing, closed_at
        from statements where org_id = ${orgId} and period = ${period}`,
    toStoredStatement,
  );
}

export async function latestStatement(q: Q, orgId: string): Promise<{ period: string; closing: bigint } | undefined> {
  return mapFirst(
    q,
    sql`select period, closing from statements where org_id = ${orgId} order by period desc limit 1`,
    (r) => ({ period: text(r.period), closing: big(r.closing) }),
  );
}

export function toStatementDay(r: DbRow): StatementDay {
  return { day: text(r.day), topUps: big(r.topUps), creditsUsed: big(r.creditsUsed), expired: big(r.expired), balance: big(r.balance) };
}

export async function findStatementDays(q: Q, orgId: string, period: string): Promise<StatementDay[]> {
  return mapRows(
    q,
    sql`select day::text as day, top_ups as "topUps", credits_used as "creditsUsed", expired, balance
        from statement_days where org_id = ${orgId} and period = ${period} order by day`,
    toStatementDay,
  );
}

export async function insertStatement(
  tx: Q,
  orgId: string,
  s: StoredStatement,
  days: StatementDay[],
): Promise<void> {
  await tx.execute(sql`
    insert into statements (org_id, period, starts_at, ends_at, brought_forward, purchased, granted, adjustments,
      consumed, expired, rolled_over, forfeited, corrections, closing, closed_at)
    values (${orgId}, ${s.period}, ${s.startsAt.toISOString()}::timestamptz, ${s.endsAt.toISOString()}::timestamptz,
      ${s.broughtForward.toString()}::bigint, ${s.purchased.toString()}::bigint, ${s.granted.toString()}::bigint,
      ${s.adjustments.toString()}::bigint, ${s.consumed.toString()}::bigint, ${s.expired.toString()}::bigint,
      ${s.rolledOver.toString()}::bigint, ${s.forfeited.toString()}::bigint, ${s.corrections.toString()}::bigint, ${s.closing.toString()}::bigint, ${s.closedAt.toISOString()}::timestamptz)`);
  if (days.length === 0) return;
  await tx.execute(sql`
    insert into statement_days (org_id, period, day, top_ups, credits_used, expired, balance)
    select ${orgId}, ${s.period}, u.day, u.top_ups, u.used, u.expired, u.balance
    from unnest(${sql.param(days.map((d) => d.day))}::date[], ${sql.param(days.map((d) => d.topUps.toString()))}::bigint[],
      ${sql.param(days.map((d) => d.creditsUsed.toString()))}::bigint[], ${sql.param(days.map((d) => d.expired.toString()))}::bigint[],
      ${sql.param(days.map((d) => d.balance.toString()))}::bigint[]) as u(day, top_ups, used, expired, balance)`);
}

export async function recordJobRun(tx: Q, job: string, orgId: string, dueKey: string, instance: string, now: Date): Promise<void> {
  await tx.execute(sql`insert into job_runs (job, org_id, due_key, instance, done_at)
    values (${job}, ${orgId}, ${dueKey}, ${instance}, ${now.toISOString()}::timestamptz)`);
}

export async function statementExists(q: Q, orgId: string, period: string): Promise<boolean> {
  return (await mapRows(q, sql`select 1 from statements where org_id = ${orgId} and period = ${period}`, () => true)).length > 0;
}

/** Every organization, by id, with its zone, creation time and last stored statement's period: what period-close walks. */
export async function findStatementProgress(q: Q): Promise<{ id: string; timezone: string; createdAt: Date; last: string | null }[]> {
  return mapRows(
    q,
    sql`select o.id, o.timezone, o.created_at as "createdAt",
          (select max(s.period) from statements s where s.org_id = o.id) as last
        from orgs o order by o.id`,
    (r) => ({ id: text(r.id), timezone: text(r.timezone), createdAt: date(r.createdAt), last: textOrNull(r.last) }),
  );
}
