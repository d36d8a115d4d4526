/**
 * A statement day's lines (the rows a day expands into): its jobs from the
 * job_daily rollup and its usage without a job per meter, which together add
 * up to the day's Credits Used.
 */
import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, int, mapRows, text, type DbRow } from '../../db/rows.js';
import { daysBetween } from '../../domain/periods.js';

export interface JobLine {
  day: string;
  jobId: string;
  name: string;
  project: string;
  userId: string;
  resourceClass: string;
  credits: bigint;
}

export function toJobLine(r: DbRow): JobLine {
  return {
    day: text(r.day),
    jobId: text(r.jobId),
    name: text(r.name),
    project: text(r.project),
    userId: text(r.userId),
    resourceClass: text(r.resourceClass),
    credits: big(r.credits),
  };
}

/** Job lines from the job_daily rollup (booked by booking time, so a closed period's lines never change). */
export async function findJobLines(q: Q, orgId: string, fromDay: string, toDay: string): Promise<JobLine[]> {
  return mapRows(
    q,
    sql`select day::text as day, job_id as "jobId", name, project, user_id as "userId", resource_class as "resourceClass", credits
        from job_daily where org_id = ${orgId} and day >= ${fromDay}::date and day < ${toDay}::date
        order by day, credits desc, job_id`,
    toJobLine,
  );
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
  return mapRows(
    q,
    sql`select day::text as day, job_id as "jobId", name, project, user_id as "userId", resource_class as "resourceClass", credits
        from job_daily where org_id = ${orgId} and day = ${day}::date ${keyset}
        order by credits desc, job_id
        limit ${limit}`,
    toJobLine,
  );
}

/** A day's usage without a job on one meter: one line of the day's expanded lines. */
export interface MeterLine {
  day: string;
  meter: string;
  events: number;
  quantity: bigint;
  credits: bigint;
}

export function toMeterLine(r: DbRow): MeterLine {
  return { day: text(r.day), meter: text(r.meter), events: int(r.events), quantity: big(r.quantity), credits: big(r.credits) };
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
  return mapRows(
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
    toMeterLine,
  );
}
