import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { boolOrNull, date, dateOrNull, int, json, mapRows, text, textOf, textOrNull, type DbRow } from '../../db/rows.js';
import { notifications, outbox } from '../../db/schema/index.js';

export type Channel = 'webhook' | 'email';

export interface NotificationRow {
  id: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface OutboxRow {
  id: string;
  notificationId: string;
  channel: Channel;
  endpointId: string | null;
  recipients: string[];
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  lastError: string | null;
}

function toOutboxRow(r: DbRow): OutboxRow {
  return {
    id: text(r.id),
    notificationId: text(r.notificationId),
    channel: textOf<Channel>(r.channel),
    endpointId: textOrNull(r.endpointId),
    recipients: json<string[]>(r.recipients),
    status: textOf<OutboxRow['status']>(r.status),
    attempts: int(r.attempts),
    nextAttemptAt: date(r.nextAttemptAt),
    deliveredAt: dateOrNull(r.deliveredAt),
    lastError: textOrNull(r.lastError),
  };
}

export async function insertNotification(tx: Q, orgId: string, n: NotificationRow): Promise<void> {
  await tx.insert(notifications).values({ orgId, ...n });
}

/** New pending deliveries of one notification, due at once. */
export async function insertDeliveries(
  tx: Q,
  orgId: string,
  notificationId: string,
  now: Date,
  rows: { id: string; channel: Channel; endpointId: string | null; recipients: string[] }[],
): Promise<void> {
  await tx.insert(outbox).values(
    rows.map((d) => ({
      orgId,
      id: d.id,
      notificationId,
      channel: d.channel,
      endpointId: d.endpointId,
      recipients: d.recipients,
      status: 'pending' as const,
      nextAttemptAt: now,
      createdAt: now,
    })),
  );
}

/** Newest first, `limit` at most, optionally of one type and before an id. */
export async function findNotifications(
  q: Q,
  orgId: string,
  f: { type: string | undefined; before: string | undefined; limit: number },
): Promise<NotificationRow[]> {
  return mapRows(
    q,
    sql`select id, type, data, created_at as "createdAt" from notifications
        where org_id = ${orgId} ${f.type ? sql`and type = ${f.type}` : sql``}
          ${f.before ? sql`and id < ${f.before}` : sql``}
        order by id desc limit ${f.limit}`,
    (r) => ({ id: text(r.id), type: text(r.type), data: json<Record<string, unknown>>(r.data), createdAt: date(r.createdAt) }),
  );
}

/** The deliveries of some notifications, in id order. */
export async function findDeliveriesOf(q: Q, orgId: string, notificationIds: string[]): Promise<OutboxRow[]> {
  return mapRows(
    q,
    sql`select id, notification_id as "notificationId", channel, endpoint_id as "endpointId", recipients, status, attempts,
          next_attempt_at as "nextAttemptAt", delivered_at as "deliveredAt", last_error as "lastError"
        from outbox where org_id = ${orgId} and notification_id = any(${sql.param(notificationIds)}::text[]) order by id`,
    toOutboxRow,
  );
}

/** A due delivery with its message and, for a webhook, its endpoint (read in the same statement). */
export interface DueDelivery {
  orgId: string;
  id: string;
  channel: Channel;
  recipients: string[];
  attempts: number;
  notificationId: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: Date;
  url: string | null;
  secret: string | null;
  /** the endpoint is enabled and not deleted; null without an endpoint */
  live: boolean | null;
}

/**
 * Due pending deliveries, oldest due first, locked with `FOR UPDATE SKIP
 * LOCKED` (rows another server holds are left to it); email rows only when
 * `withEmail`.
 */
export async function lockDueDeliveries(tx: Q, now: Date, withEmail: boolean, limit: number): Promise<DueDelivery[]> {
  return mapRows(
    tx,
    sql`select o.org_id as "orgId", o.id, o.channel, o.recipients, o.attempts, o.notification_id as "notificationId",
          n.type, n.data, n.created_at as "createdAt", e.url, e.secret,
          (e.enabled and e.deleted_at is null) as live
        from outbox o
        join notifications n on n.org_id = o.org_id and n.id = o.notification_id
        left join webhook_endpoints e on e.org_id = o.org_id and e.id = o.endpoint_id
        where o.status = 'pending' and o.next_attempt_at <= ${now.toISOString()}::timestamptz
          ${withEmail ? sql`` : sql`and o.channel = 'webhook'`}
        order by o.next_attempt_at, o.id
        limit ${limit}
        for update of o skip locked`,
    (r) => ({
      orgId: text(r.orgId),
      id: text(r.id),
      channel: textOf<Channel>(r.channel),
      recipients: json<string[]>(r.recipients),
      attempts: int(r.attempts),
      notificationId: text(r.notificationId),
      type: text(r.type),
      data: json<Record<string, unknown>>(r.data),
      createdAt: date(r.createdAt),
      url: textOrNull(r.url),
      secret: textOrNull(r.secret),
      live: boolOrNull(r.live),
    }),
  );
}

/** Moves the deliveries' next attempt to `until`: the lease a sender holds while it sends outside a transaction. */
export async function leaseDeliveries(tx: Q, keys: { orgId: string; id: string }[], until: Date): Promise<void> {
  await tx.execute(sql`
    update outbox set next_attempt_at = ${until.toISOString()}::timestamptz
    from unnest(${sql.param(keys.map((d) => d.orgId))}::text[], ${sql.param(keys.map((d) => d.id))}::text[]) as u(org_id, id)
    where outbox.org_id = u.org_id and outbox.id = u.id`);
}

/** A pending delivery's attempts so far, its row locked; undefined when it is no longer pending. */
export async function lockPendingAttempts(tx: Q, orgId: string, id: string): Promise<number | undefined> {
  const [attempts] = await mapRows(
    tx,
    sql`select attempts from outbox where org_id = ${orgId} and id = ${id} and status = 'pending' for update`,
    (r) => int(r.attempts),
  );
  return attempts;
}

/** A webhook delivery whose endpoint was disabled or deleted is not sent. */
export async function cancelDelivery(tx: Q, orgId: string, id: string): Promise<void> {
  await tx.execute(sql`update outbox set status = 'cancelled', last_error = 'the webhook endpoint was disabled or deleted'
    where org_id = ${orgId} and id = ${id}`);
}

export async function insertAttempt(
  tx: Q,
  orgId: string,
  id: string,
  a: { attempt: number; at: Date; ok: boolean; statusCode: number | null; error: string | null },
): Promise<void> {
  await tx.execute(sql`
    insert into outbox_attempts (org_id, outbox_id, attempt, attempted_at, ok, status_code, error)
    values (${orgId}, ${id}, ${a.attempt}, ${a.at.toISOString()}::timestamptz, ${a.ok}, ${a.statusCode}, ${a.error})`);
}

export async function markDelivered(tx: Q, orgId: string, id: string, attempts: number, at: Date): Promise<void> {
  await tx.execute(sql`update outbox set status = 'delivered', attempts = ${attempts}, delivered_at = ${at.toISOString()}::timestamptz,
    last_error = null where org_id = ${orgId} and id = ${id}`);
}

export async function scheduleRetry(tx: Q, orgId: string, id: string, attempts: number, next: Date, error: string | null): Promise<void> {
  await tx.execute(sql`update outbox set attempts = ${attempts}, next_attempt_at = ${next.toISOString()}::timestamptz,
    last_error = ${error} where org_id = ${orgId} and id = ${id}`);
}

export async function markFailed(tx: Q, orgId: string, id: string, attempts: number, error: string | null): Promise<void> {
  await tx.execute(sql`update outbox set status = 'failed', attempts = ${attempts}, last_error = ${error}
    where org_id = ${orgId} and id = ${id}`);
}
