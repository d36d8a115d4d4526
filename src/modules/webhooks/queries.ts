import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { bool, date, int, intOrNull, json, mapFirst, mapRows, text, textOrNull, type DbRow } from '../../db/rows.js';
import { webhookEndpoints } from '../../db/schema/index.js';

export interface EndpointRow {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

function toEndpointRow(r: DbRow): EndpointRow {
  return {
    id: text(r.id),
    url: text(r.url),
    events: json<string[]>(r.events),
    enabled: bool(r.enabled),
    createdAt: date(r.createdAt),
    updatedAt: date(r.updatedAt),
  };
}

const COLUMNS = sql`id, url, events, enabled, created_at as "createdAt", updated_at as "updatedAt"`;

/** A live (not deleted) endpoint. */
export async function findEndpointRow(q: Q, orgId: string, id: string): Promise<EndpointRow | undefined> {
  return mapFirst(
    q,
    sql`select ${COLUMNS} from webhook_endpoints where org_id = ${orgId} and id = ${id} and deleted_at is null`,
    toEndpointRow,
  );
}

export async function findEndpointRows(q: Q, orgId: string): Promise<EndpointRow[]> {
  return mapRows(
    q,
    sql`select ${COLUMNS} from webhook_endpoints where org_id = ${orgId} and deleted_at is null order by id`,
    toEndpointRow,
  );
}

export async function insertEndpoint(tx: Q, orgId: string, e: EndpointRow, secret: string): Promise<void> {
  await tx.insert(webhookEndpoints).values({ orgId, id: e.id, url: e.url, events: e.events, enabled: e.enabled, secret, createdAt: e.createdAt, updatedAt: e.updatedAt });
}

export async function updateEndpointRow(tx: Q, orgId: string, e: EndpointRow): Promise<void> {
  await tx.execute(sql`update webhook_endpoints set url = ${e.url}, events = ${JSON.stringify(e.events)}::jsonb,
    enabled = ${e.enabled}, updated_at = ${e.updatedAt.toISOString()}::timestamptz where org_id = ${orgId} and id = ${e.id}`);
}

/** Deleting keeps the row (its delivery history stays readable); pending messages to it are cancelled. */
export async function deleteEndpointRow(tx: Q, orgId: string, id: string, at: Date): Promise<void> {
  const now = at.toISOString();
  await tx.execute(sql`update webhook_endpoints set deleted_at = ${now}::timestamptz, enabled = false, updated_at = ${now}::timestamptz
    where org_id = ${orgId} and id = ${id}`);
  await tx.execute(sql`update outbox set status = 'cancelled', last_error = 'the webhook endpoint was deleted'
    where org_id = ${orgId} and endpoint_id = ${id} and status = 'pending'`);
}

export interface DeliveryRow {
  outboxId: string;
  messageId: string;
  type: string;
  attempt: number;
  attemptedAt: Date;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  status: string;
}

function toDeliveryRow(r: DbRow): DeliveryRow {
  return {
    outboxId: text(r.outboxId),
    messageId: text(r.messageId),
    type: text(r.type),
    attempt: int(r.attempt),
    attemptedAt: date(r.attemptedAt),
    ok: bool(r.ok),
    statusCode: intOrNull(r.statusCode),
    error: textOrNull(r.error),
    status: text(r.status),
  };
}

/** Attempts to deliver to one endpoint, newest first, before the cursor `<outbox id>:<attempt, 4 digits>`. */
export async function findDeliveries(q: Q, orgId: string, endpointId: string, before: string | undefined, limit: number): Promise<DeliveryRow[]> {
  const cursor = before ? sql`and (o.id || ':' || lpad(a.attempt::text, 4, '0')) < ${before}` : sql``;
  return mapRows(
    q,
    sql`select o.id as "outboxId", o.notification_id as "messageId", n.type, a.attempt, a.attempted_at as "attemptedAt", a.ok,
          a.status_code as "statusCode", a.error, o.status
        from outbox_attempts a
        join outbox o on o.org_id = a.org_id and o.id = a.outbox_id
        join notifications n on n.org_id = o.org_id and n.id = o.notification_id
        where a.org_id = ${orgId} and o.endpoint_id = ${endpointId} ${cursor}
        order by o.id desc, a.attempt desc limit ${limit}`,
    toDeliveryRow,
  );
}

/** The enabled endpoints subscribed to a notification type, in id order. */
export async function findSubscribedEndpointIds(q: Q, orgId: string, type: string): Promise<string[]> {
  return mapRows(
    q,
    sql`select id from webhook_endpoints
        where org_id = ${orgId} and enabled and deleted_at is null and events @> ${JSON.stringify([type])}::jsonb order by id`,
    (r) => text(r.id),
  );
}
