import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { bucketOf } from '../../domain/time.js';
import type { RatedEvent } from '../events/index.js';

/**
 * Takes one corrected event out of the daily, hourly and per-job rollups at
 * its booking day (the event's own day in the open period, the open period's
 * first day for an event of a closed period, as a late event would be
 * booked), so usage graphs, invoice lines and job lines follow a correction.
 * A row that does not exist yet (a closed period's event corrected in the
 * open period) is created with negative figures. The hourly maximum is a
 * high-water mark and is left as it was.
 */
export async function removeFromRollups(tx: Q, orgId: string, zone: string, e: RatedEvent): Promise<void> {
  const bucket = bucketOf(e.bookedAt.getTime(), zone);
  const q = (-e.quantity).toString();
  const c = (-e.credits).toString();
  const u = (-(e.usd ?? 0n)).toString();
  await tx.execute(sql`
    insert into usage_daily (org_id, day, meter, user_id, project, resource_class, events, quantity, credits, usd)
    values (${orgId}, ${bucket.day}::date, ${e.meter}, ${e.userId ?? ''}, ${e.project ?? ''}, ${e.resourceClass ?? ''}, -1,
      ${q}::bigint, ${c}::bigint, ${u}::bigint)
    on conflict (org_id, day, meter, user_id, project, resource_class) do update set
      events = usage_daily.events + excluded.events, quantity = usage_daily.quantity + excluded.quantity,
      credits = usage_daily.credits + excluded.credits, usd = usage_daily.usd + excluded.usd`);
  await tx.execute(sql`
    insert into usage_hourly (org_id, hour, meter, events, quantity, max_quantity, credits, usd)
    values (${orgId}, ${bucket.hourStart.toISOString()}::timestamptz, ${e.meter}, -1, ${q}::bigint, 0, ${c}::bigint, ${u}::bigint)
    on conflict (org_id, hour, meter) do update set
      events = usage_hourly.events + excluded.events, quantity = usage_hourly.quantity + excluded.quantity,
      credits = usage_hourly.credits + excluded.credits, usd = usage_hourly.usd + excluded.usd`);
  if (!e.jobId) return;
  await tx.execute(sql`
    insert into job_daily (org_id, day, job_id, name, project, user_id, resource_class, credits)
    values (${orgId}, ${bucket.day}::date, ${e.jobId}, ${e.jobName ?? e.jobId}, ${e.project ?? ''}, ${e.userId ?? ''},
      ${e.resourceClass ?? ''}, ${c}::bigint)
    on conflict (org_id, day, job_id) do update set credits = job_daily.credits + excluded.credits`);
}
