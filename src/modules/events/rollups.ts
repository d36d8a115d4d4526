import { sql, type SQL } from 'drizzle-orm';
import { bucketOf } from '../../domain/time.js';

export interface RatedEvent {
  id: string;
  meter: string;
  quantity: bigint;
  /** when the usage is booked: the event's time, or the open period's start for a late one */
  bookedAt: Date;
  userId: string | null;
  project: string | null;
  resourceClass: string | null;
  jobId: string | null;
  jobName: string | null;
  credits: bigint;
  usd: bigint | null;
  /** the usage's own time (an event's timestamp, a capture's time); spend caps count it there */
  at?: Date | undefined;
  /** the API key that reported it (SPEC §3.16) */
  apiKeyId?: string | null | undefined;
  /** a hold capture: no meter of its own, so no meter cap sees it */
  capture?: boolean | undefined;
}

interface Sum {
  events: number;
  quantity: bigint;
  maxQuantity: bigint;
  credits: bigint;
  usd: bigint;
}

function add(map: Map<string, Sum>, key: string, e: RatedEvent): void {
  const s = map.get(key);
  if (s) {
    s.events += 1;
    s.quantity += e.quantity;
    if (e.quantity > s.maxQuantity) s.maxQuantity = e.quantity;
    s.credits += e.credits;
    s.usd += e.usd ?? 0n;
  } else {
    map.set(key, { events: 1, quantity: e.quantity, maxQuantity: e.quantity, credits: e.credits, usd: e.usd ?? 0n });
  }
}

const SEP = '\u0000';
const str = (xs: bigint[]) => xs.map((x) => x.toString());

/**
 * The rollup upserts of accepted events, so analytics and statements never
 * scan raw events: daily, hourly and, when an event names a job, per job; one
 * independent INSERT per table, for one organization or several (a mixed
 * batch). The caller sends them in one statement with its other writes of the
 * same usage (runUsageRecordedOf's `alongside`).
 */
export function rollupWrites(of: { orgId: string; zone: string; events: RatedEvent[] }[]): SQL[] {
  const daily = new Map<string, Sum>();
  const hourly = new Map<string, Sum>();
  const jobs = new Map<string, { name: string; project: string; userId: string; resourceClass: string; credits: bigint }>();
  for (const { orgId, zone, events } of of) {
    for (const e of events) {
      const bucket = bucketOf(e.bookedAt.getTime(), zone);
      add(daily, [orgId, bucket.day, e.meter, e.userId ?? '', e.project ?? '', e.resourceClass ?? ''].join(SEP), e);
      add(hourly, [orgId, bucket.hourStart.toISOString(), e.meter].join(SEP), e);
      if (e.jobId) {
        const key = [orgId, bucket.day, e.jobId].join(SEP);
        const job = jobs.get(key);
        if (job) job.credits += e.credits;
        else {
          jobs.set(key, {
            name: e.jobName ?? e.jobId,
            project: e.project ?? '',
            userId: e.userId ?? '',
            resourceClass: e.resourceClass ?? '',
            credits: e.credits,
          });
        }
      }
    }
  }
  if (daily.size === 0) return [];

  const d = [...daily].map(([k, s]) => [k.split(SEP), s] as const);
  const h = [...hourly].map(([k, s]) => [k.split(SEP), s] as const);
  const j = [...jobs].map(([k, v]) => [k.split(SEP), v] as const);
  const writes = [
    sql`
      insert into usage_daily (org_id, day, meter, user_id, project, resource_class, events, quantity, credits, usd)
      select u.org_id, u.day, u.meter, u.user_id, u.project, u.rc, u.events, u.quantity, u.credits, u.usd
      from unnest(${sql.param(d.map(([k]) => k[0]))}::text[], ${sql.param(d.map(([k]) => k[1]))}::date[],
        ${sql.param(d.map(([k]) => k[2]))}::text[], ${sql.param(d.map(([k]) => k[3]))}::text[],
        ${sql.param(d.map(([k]) => k[4]))}::text[], ${sql.param(d.map(([k]) => k[5]))}::text[],
        ${sql.param(d.map(([, s]) => s.events))}::int[],
        ${sql.param(str(d.map(([, s]) => s.quantity)))}::bigint[], ${sql.param(str(d.map(([, s]) => s.credits)))}::bigint[],
        ${sql.param(str(d.map(([, s]) => s.usd)))}::bigint[])
        as u(org_id, day, meter, user_id, project, rc, events, quantity, credits, usd)
      order by 1, 2, 3, 4, 5, 6
      on conflict (org_id, day, meter, user_id, project, resource_class) do update set
        events = usage_daily.events + excluded.events, quantity = usage_daily.quantity + excluded.quantity,
        credits = usage_daily.credits + excluded.credits, usd = usage_daily.usd + excluded.usd`,
    sql`
      insert into usage_hourly (org_id, hour, meter, events, quantity, max_quantity, credits, usd)
      select u.org_id, u.hour, u.meter, u.events, u.quantity, u.max_quantity, u.credits, u.usd
      from unnest(${sql.param(h.map(([k]) => k[0]))}::text[], ${sql.param(h.map(([k]) => k[1]))}::timestamptz[],
        ${sql.param(h.map(([k]) => k[2]))}::text[],
        ${sql.param(h.map(([, s]) => s.events))}::int[], ${sql.param(str(h.map(([, s]) => s.quantity)))}::bigint[],
        ${sql.param(str(h.map(([, s]) => s.maxQuantity)))}::bigint[], ${sql.param(str(h.map(([, s]) => s.credits)))}::bigint[],
        ${sql.param(str(h.map(([, s]) => s.usd)))}::bigint[])
        as u(org_id, hour, meter, events, quantity, max_quantity, credits, usd)
      order by 1, 2, 3
      on conflict (org_id, hour, meter) do update set
        events = usage_hourly.events + excluded.events, quantity = usage_hourly.quantity + excluded.quantity,
        max_quantity = greatest(usage_hourly.max_quantity, excluded.max_quantity),
        credits = usage_hourly.credits + excluded.credits, usd = usage_hourly.usd + excluded.usd`,
  ];
  if (j.length > 0) {
    writes.push(sql`
      insert into job_daily (org_id, day, job_id, name, project, user_id, resource_class, credits)
      select u.org_id, u.day, u.job_id, u.name, u.project, u.user_id, u.rc, u.credits
      from unnest(${sql.param(j.map(([k]) => k[0]))}::text[], ${sql.param(j.map(([k]) => k[1]))}::date[],
        ${sql.param(j.map(([k]) => k[2]))}::text[],
        ${sql.param(j.map(([, v]) => v.name))}::text[], ${sql.param(j.map(([, v]) => v.project))}::text[],
        ${sql.param(j.map(([, v]) => v.userId))}::text[], ${sql.param(j.map(([, v]) => v.resourceClass))}::text[],
        ${sql.param(str(j.map(([, v]) => v.credits)))}::bigint[])
        as u(org_id, day, job_id, name, project, user_id, rc, credits)
      order by 1, 2, 3
      on conflict (org_id, day, job_id) do update set credits = job_daily.credits + excluded.credits`);
  }
  return writes;
}
