import { sql, type SQL } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { PLAN_EACH_TIME } from '../../db/prepared.js';
import { big, bigOrNull, date, json, mapFirst, mapRows, text, textOf, textOrNull, type DbRow } from '../../db/rows.js';
import { bucketOf } from '../../domain/time.js';
import type { RatedEvent } from './rollups.js';
import type { EventRow } from './view.js';

export type EventStatus = 'active' | 'voided' | 'amended';

/** An event with its correction status and the API key that reported it (spend caps per key count it). */
export interface StoredEvent extends EventRow {
  status: EventStatus;
  apiKeyId: string | null;
}

const EVENT_COLUMNS = sql`id, meter, quantity, timestamp, recorded_at as "recordedAt", user_id as "userId", project,
  resource_class as "resourceClass", job_id as "jobId", job_name as "jobName", properties, cost_credits as "costCredits",
  cost_usd as "costUsd", overage`;

function toEventRow(r: DbRow): EventRow {
  return {
    id: text(r.id),
    meter: text(r.meter),
    quantity: big(r.quantity),
    timestamp: date(r.timestamp),
    recordedAt: date(r.recordedAt),
    userId: textOrNull(r.userId),
    project: textOrNull(r.project),
    resourceClass: textOrNull(r.resourceClass),
    jobId: textOrNull(r.jobId),
    jobName: textOrNull(r.jobName),
    properties: json<Record<string, unknown> | null>(r.properties),
    costCredits: big(r.costCredits),
    costUsd: bigOrNull(r.costUsd),
    overage: big(r.overage),
  };
}

function toStoredEvent(r: DbRow): StoredEvent {
  return { ...toEventRow(r), status: textOf<EventStatus>(r.status), apiKeyId: textOrNull(r.apiKeyId) };
}

export interface EventFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  meter?: string | undefined;
  user?: string | undefined;
  /** only these users' events (a manager's scope) */
  users?: string[] | undefined;
  project?: string | undefined;
}

/** Filters of the events list and export, as one SQL condition. */
function eventConditions(orgId: string, f: EventFilter) {
  return sql.join(
    [
      sql`org_id = ${orgId}`,
      f.from && sql`timestamp >= ${f.from.toISOString()}::timestamptz`,
      f.to && sql`timestamp < ${f.to.toISOString()}::timestamptz`,
      f.meter && sql`meter = ${f.meter}`,
      f.user && sql`user_id = ${f.user}`,
      f.users && sql`user_id = any(${sql.param(f.users)}::text[])`,
      f.project && sql`project = ${f.project}`,
    ].filter((c) => c !== undefined && c !== ''),
    sql` and `,
  );
}

/** One event; `lock` takes its row lock for a correction. */
export async function findEvent(q: Q, orgId: string, eventId: string, lock: boolean): Promise<StoredEvent | undefined> {
  return mapFirst(
    q,
    sql`select ${EVENT_COLUMNS}, status, api_key_id as "apiKeyId" from events where org_id = ${orgId} and id = ${eventId} ${lock ? sql`for update` : sql``}`,
    toStoredEvent,
  );
}

/** The events list: newest first, after the cursor (timestamp, id); `limit` rows at most. */
export async function findEventsPage(
  q: Q,
  orgId: string,
  filter: EventFilter,
  after: { t: string; id: string } | undefined,
  limit: number,
): Promise<StoredEvent[]> {
  const cursor = after ? sql`and (timestamp, id) < (${after.t}::timestamptz, ${after.id})` : sql``;
  return mapRows(
    q,
    sql`select ${EVENT_COLUMNS}, status, api_key_id as "apiKeyId" from events where ${eventConditions(orgId, filter)} ${cursor}
        order by timestamp desc, id desc limit ${limit}`,
    toStoredEvent,
  );
}

/**
 * The export's page: oldest first, after the keyset (timestamp, id). `tsKey` is
 * the timestamp as PostgreSQL prints it (microseconds, which a Date drops), the
 * next page's keyset.
 */
export async function findEventsForExport(
  q: Q,
  orgId: string,
  filter: EventFilter,
  after: { ts: string; id: string } | null,
  limit: number,
): Promise<(EventRow & { status: EventStatus; tsKey: string })[]> {
  const keyset = after ? sql`and (timestamp, id) > (${after.ts}::timestamptz, ${after.id})` : sql``;
  return mapRows(
    q,
    sql`select ${EVENT_COLUMNS}, status, timestamp::text as "tsKey" from events where ${eventConditions(orgId, filter)} ${keyset}
        order by timestamp, id limit ${limit}`,
    (r) => ({ ...toEventRow(r), status: textOf<EventStatus>(r.status), tsKey: text(r.tsKey) }),
  );
}

/** An amend's new figures; the event becomes `amended`. */
export async function amendEvent(tx: Q, orgId: string, e: StoredEvent): Promise<void> {
  await tx.execute(sql`
    update events set meter = ${e.meter}, quantity = ${e.quantity.toString()}::bigint,
      timestamp = ${e.timestamp.toISOString()}::timestamptz, user_id = ${e.userId}, project = ${e.project},
      resource_class = ${e.resourceClass}, cost_credits = ${e.costCredits.toString()}::bigint,
      cost_usd = ${e.costUsd?.toString() ?? null}::bigint, overage = ${e.overage.toString()}::bigint, status = 'amended'
    where org_id = ${orgId} and id = ${e.id}`);
}

export async function voidEvent(tx: Q, orgId: string, eventId: string): Promise<void> {
  await tx.execute(sql`update events set status = 'voided' where org_id = ${orgId} and id = ${eventId}`);
}

/** Which of these ids are recorded events of these organizations, as [organization, event id]: one read for a batch. */
export async function findRecordedEventIds(tx: Q, asked: { orgId: string; id: string }[]): Promise<[string, string][]> {
  return mapRows(tx, recordedEventIdsQuery(asked), (r): [string, string] => [text(r.org_id), text(r.id)]);
}

/**
 * One primary-key probe per asked id, whatever the table's size: the subquery
 * with `offset 0` stays a probe per pair. (`org_id = any(…) and id = any(…)`, and
 * a plain join of the pairs, were planned as a scan of every event of the
 * organizations; test/query-plans.test.ts counts the rows read.) Planned each
 * time, never named (src/db/prepared.ts, PLAN_EACH_TIME): a generic plan made
 * while `events` was nearly empty chose `events_time` and scanned.
 */
export function recordedEventIdsQuery(asked: { orgId: string; id: string }[]): SQL {
  return sql`${sql.raw(PLAN_EACH_TIME)}select u.org_id, u.id
    from unnest(${sql.param(asked.map((a) => a.orgId))}::text[], ${sql.param(asked.map((a) => a.id))}::text[]) as u(org_id, id)
    where exists (select from events e where e.org_id = u.org_id and e.id = u.id offset 0)`;
}

/** An organization's customer aliases (the ids Stripe and CloudEvents name it by), sorted. */
export async function findAliases(q: Q, orgId: string): Promise<string[]> {
  return mapRows(q, sql`select alias from customer_aliases where org_id = ${orgId} order by alias`, (r) => text(r.alias));
}

/** The organization each alias names, for the aliases that name one. */
export async function findAliasOwners(q: Q, aliases: string[]): Promise<[string, string][]> {
  return mapRows(
    q,
    sql`select alias, org_id as "orgId" from customer_aliases where alias = any(${sql.param(aliases)}::text[])`,
    (r): [string, string] => [text(r.alias), text(r.orgId)],
  );
}

/** Replaces an organization's aliases: one delete, then one insert per alias. */
export async function replaceAliases(tx: Q, orgId: string, aliases: string[], now: Date): Promise<void> {
  await tx.execute(sql`delete from customer_aliases where org_id = ${orgId}`);
  for (const alias of aliases) {
    await tx.execute(sql`insert into customer_aliases (alias, org_id, created_at) values (${alias}, ${orgId}, ${now})`);
  }
}

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
