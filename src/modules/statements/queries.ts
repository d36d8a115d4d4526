import { sql, type SQL } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import { daysBetween } from '../../domain/periods.js';
import type { DayFlows, StatementDay, StatementSummary } from '../../domain/statement.js';

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

/**
 * Folds the entries written since the last fold into ledger_daily. Runs in a
 * transaction that holds the organization lock, so no entry of this
 * organization with a smaller id can still commit afterwards.
 */
export async function foldLedger(tx: Q, orgId: string, zone: string): Promise<void> {
  // One statement, because this runs in every transaction that changes credits:
  // read the watermark, fold what is past it, move it (the row is created on the first fold).
  await tx.execute(sql`
    with fresh as (
      select * from ledger_entries where org_id = ${orgId}
        and id > coalesce((select last_entry_id from ledger_fold where org_id = ${orgId}), 0)
    ), folded as (
      insert into ledger_daily (org_id, day, purchased, granted, adjustments, consumed, overage, expired, rolled_over,
        forfeited, corrections, net)
      select ${orgId}, ${localDay(sql`occurred_at`, zone)} as day, ${FLOWS}
      from fresh group by 2 order by 2
      on conflict (org_id, day) do update set
        purchased = ledger_daily.purchased + excluded.purchased, granted = ledger_daily.granted + excluded.granted,
        adjustments = ledger_daily.adjustments + excluded.adjustments, consumed = ledger_daily.consumed + excluded.consumed,
        overage = ledger_daily.overage + excluded.overage, expired = ledger_daily.expired + excluded.expired,
        rolled_over = ledger_daily.rolled_over + excluded.rolled_over, forfeited = ledger_daily.forfeited + excluded.forfeited,
        corrections = ledger_daily.corrections + excluded.corrections, net = ledger_daily.net + excluded.net
    )
    insert into ledger_fold (org_id, last_entry_id) select ${orgId}, max(id) from fresh having count(*) > 0
    on conflict (org_id) do update set last_entry_id = excluded.last_entry_id`);
}

interface FlowRow {
  day: string | null;
  purchased: bigint;
  granted: bigint;
  adjustments: bigint;
  consumed: bigint;
  overage: bigint;
  expired: bigint;
  rolled_over: bigint;
  forfeited: bigint;
  corrections: bigint;
  net: bigint;
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
  const [fold] = await rows<{ last: bigint }>(q, sql`select last_entry_id as last from ledger_fold where org_id = ${orgId}`);
  const folded = fold ? BigInt(fold.last).toString() : '0';
  const pending = args.pendingExpiriesAt
    ? sql`union all
        select ${localDay(sql`expires_at`, zone)}, 0, 0, 0, 0, 0, remaining, 0, 0, 0, -remaining from blocks
        where org_id = ${orgId} and expiry_booked_at is null and remaining > 0
          and expires_at <= ${args.pendingExpiriesAt.toISOString()}::timestamptz`
    : sql``;
  const found = await rows<FlowRow>(
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
  );
  const toFlows = (r: FlowRow, day: string): DayFlows => ({
    day,
    purchased: BigInt(r.purchased),
    granted: BigInt(r.granted),
    adjustments: BigInt(r.adjustments),
    consumed: BigInt(r.consumed),
    overage: BigInt(r.overage),
    expired: BigInt(r.expired),
    rolledOver: BigInt(r.rolled_over),
    forfeited: BigInt(r.forfeited),
    corrections: BigInt(r.corrections),
    net: BigInt(r.net),
  });
  const beforeRow = found.find((r) => r.day === null);
  const before = beforeRow ? toFlows(beforeRow, '') : toFlows({ day: null, purchased: 0n, granted: 0n, adjustments: 0n, consumed: 0n, overage: 0n, expired: 0n, rolled_over: 0n, forfeited: 0n, corrections: 0n, net: 0n }, '');
  const days = new Map(found.filter((r) => r.day !== null).map((r) => [r.day!, toFlows(r, r.day!)]));
  return { before, days };
}

export interface StoredStatement extends StatementSummary {
  period: string;
  startsAt: Date;
  endsAt: Date;
  closedAt: Date;
}

export async function findStatement(q: Q, orgId: string, period: string): Promise<StoredStatement | undefined> {
  const [row] = await rows<Record<string, unknown>>(
    q,
    sql`select period, starts_at, ends_at, brought_forward, purchased, granted, adjustments, consumed, expired, rolled_over,
          forfeited, corrections, closing, closed_at
        from statements where org_id = ${orgId} and period = ${period}`,
  );
  if (!row) return undefined;
  return {
    period: String(row.period),
    startsAt: new Date(row.starts_at as string),
    endsAt: new Date(row.ends_at as string),
    closedAt: new Date(row.closed_at as string),
    broughtForward: BigInt(row.brought_forward as bigint),
    purchased: BigInt(row.purchased as bigint),
    granted: BigInt(row.granted as bigint),
    adjustments: BigInt(row.adjustments as bigint),
    consumed: BigInt(row.consumed as bigint),
    expired: BigInt(row.expired as bigint),
    rolledOver: BigInt(row.rolled_over as bigint),
    forfeited: BigInt(row.forfeited as bigint),
    corrections: BigInt(row.corrections as bigint),
    closing: BigInt(row.closing as bigint),
  };
}

export async function latestStatement(q: Q, orgId: string): Promise<{ period: string; closing: bigint } | undefined> {
  const [row] = await rows<{ period: string; closing: bigint }>(
    q,
    sql`select period, closing from statements where org_id = ${orgId} order by period desc limit 1`,
  );
  return row && { period: row.period, closing: BigInt(row.closing) };
}

export async function findStatementDays(q: Q, orgId: string, period: string): Promise<StatementDay[]> {
  const found = await rows<{ day: string; topUps: bigint; creditsUsed: bigint; expired: bigint; balance: bigint }>(
    q,
    sql`select day::text as day, top_ups as "topUps", credits_used as "creditsUsed", expired, balance
        from statement_days where org_id = ${orgId} and period = ${period} order by day`,
  );
  return found.map((d) => ({
    day: d.day,
    topUps: BigInt(d.topUps),
    creditsUsed: BigInt(d.creditsUsed),
    expired: BigInt(d.expired),
    balance: BigInt(d.balance),
  }));
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

export interface JobLine {
  day: string;
  jobId: string;
  name: string;
  project: string;
  userId: string;
  resourceClass: string;
  credits: bigint;
}

/** Job lines from the job_daily rollup (booked by booking time, so a closed period's lines never change). */
export async function findJobLines(q: Q, orgId: string, fromDay: string, toDay: string): Promise<JobLine[]> {
  const found = await rows<JobLine>(
    q,
    sql`select day::text as day, job_id as "jobId", name, project, user_id as "userId", resource_class as "resourceClass", credits
        from job_daily where org_id = ${orgId} and day >= ${fromDay}::date and day < ${toDay}::date
        order by day, credits desc, job_id`,
  );
  return found.map((j) => ({ ...j, credits: BigInt(j.credits) }));
}

/**
 * One page of a day's job lines, highest credits first then job id; `after` is
 * the (credits, job_id) key of the previous page's last line (keyset, so lines
 * are neither repeated nor skipped between pages).
 */
export async function findDayJobPage(
  q: Q,
  args: { orgId: string; day: string; after: { credits: bigint; jobId: string } | undefined; limit: number },
): Promise<JobLine[]> {
  const { orgId, day, after, limit } = args;
  const keyset = after
    ? sql`and (credits < ${after.credits.toString()}::bigint or (credits = ${after.credits.toString()}::bigint and job_id > ${after.jobId}))`
    : sql``;
  const found = await rows<JobLine>(
    q,
    sql`select day::text as day, job_id as "jobId", name, project, user_id as "userId", resource_class as "resourceClass", credits
        from job_daily where org_id = ${orgId} and day = ${day}::date ${keyset}
        order by credits desc, job_id
        limit ${limit}`,
  );
  return found.map((j) => ({ ...j, credits: BigInt(j.credits) }));
}

export async function recordJobRun(tx: Q, job: string, orgId: string, dueKey: string, instance: string, now: Date): Promise<void> {
  await tx.execute(sql`insert into job_runs (job, org_id, due_key, instance, done_at)
    values (${job}, ${orgId}, ${dueKey}, ${instance}, ${now.toISOString()}::timestamptz)`);
}

/** A day's usage without a job on one meter: one line of the day's expanded lines. */
export interface MeterLine {
  day: string;
  meter: string;
  events: number;
  quantity: bigint;
  credits: bigint;
}

/**
 * Usage without a job per day and meter in [fromDay, toDay): the daily
 * rollup minus the job events of the same booked day and meter, so a day's
 * job lines and meter lines add up to its Credits Used. An event is booked on
 * its own local day unless it arrived after its period had closed; then it is
 * booked at the start of the period it was recorded in (bookingTime), which
 * the `greatest` below repeats, looking back past the range only for such
 * late job events, and only when the range holds a period's first day.
 */
export async function findMeterLines(
  q: Q,
  args: { orgId: string; zone: string; fromDay: string; toDay: string; from: Date; to: Date },
): Promise<MeterLine[]> {
  const { orgId, zone, fromDay, toDay, from, to } = args;
  const booked = sql`greatest(e.timestamp, (date_trunc('month', e.recorded_at at time zone ${zone}) at time zone ${zone}))`;
  // late events are booked on a period's first day only (periods are local calendar months)
  const lateBooked = daysBetween(fromDay, toDay).some((d) => d.endsWith('-01'));
  const found = await rows<MeterLine>(
    q,
    sql`with jobs as (
          select (${booked} at time zone ${zone})::date as day, e.meter, count(*)::bigint as events,
            sum(e.quantity)::bigint as quantity, sum(e.cost_credits)::bigint as credits
          from events e
          where e.org_id = ${orgId} and e.job_id is not null
            and ((e.timestamp >= ${from.toISOString()}::timestamptz and e.timestamp < ${to.toISOString()}::timestamptz)
              ${lateBooked ? sql`or (e.timestamp < ${from.toISOString()}::timestamptz and e.recorded_at >= ${from.toISOString()}::timestamptz)` : sql``})
            and (${booked} at time zone ${zone})::date >= ${fromDay}::date and (${booked} at time zone ${zone})::date < ${toDay}::date
          group by 1, 2
        ), daily as (
          select day, meter, sum(events)::bigint as events, sum(quantity)::bigint as quantity, sum(credits)::bigint as credits
          from usage_daily where org_id = ${orgId} and day >= ${fromDay}::date and day < ${toDay}::date
          group by 1, 2
        )
        select d.day::text as day, d.meter, (d.events - coalesce(j.events, 0))::bigint as events,
          (d.quantity - coalesce(j.quantity, 0))::bigint as quantity, (d.credits - coalesce(j.credits, 0))::bigint as credits
        from daily d left join jobs j on j.day = d.day and j.meter = d.meter
        where d.events - coalesce(j.events, 0) > 0
        order by 1, 5 desc, 2`,
  );
  return found.map((m) => ({ ...m, events: Number(m.events), quantity: BigInt(m.quantity), credits: BigInt(m.credits) }));
}
