import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import { notifications, outbox } from '../../db/schema/index.js';
import { newId } from '../../ids.js';

export interface Enqueue {
  orgId: string;
  type: string;
  data: Record<string, unknown>;
  now: Date;
  /** email recipients, when this notification is also sent by email */
  emails?: string[] | undefined;
}

/**
 * Records a notification and one outbox row per destination: every enabled
 * webhook endpoint subscribed to the type, plus one email when recipients are
 * given. Call it inside the transaction that caused the notification, so the
 * message exists exactly when the change does. Returns the message id.
 */
export async function enqueue(tx: Q, n: Enqueue): Promise<string> {
  const id = newId('msg', n.now.getTime());
  await tx.insert(notifications).values({ orgId: n.orgId, id, type: n.type, data: n.data, createdAt: n.now });
  const endpoints = await rows<{ id: string }>(
    tx,
    sql`select id from webhook_endpoints
        where org_id = ${n.orgId} and enabled and deleted_at is null and events @> ${JSON.stringify([n.type])}::jsonb order by id`,
  );
  const destinations: { channel: 'webhook' | 'email'; endpointId: string | null; recipients: string[] }[] = endpoints.map(
    (e) => ({ channel: 'webhook', endpointId: e.id, recipients: [] }),
  );
  const emails = [...new Set(n.emails ?? [])];
  if (emails.length > 0) destinations.push({ channel: 'email', endpointId: null, recipients: emails });
  if (destinations.length === 0) return id;
  await tx.insert(outbox).values(
    destinations.map((d) => ({
      orgId: n.orgId,
      id: newId('dlv', n.now.getTime()),
      notificationId: id,
      channel: d.channel,
      endpointId: d.endpointId,
      recipients: d.recipients,
      status: 'pending' as const,
      nextAttemptAt: n.now,
      createdAt: n.now,
    })),
  );
  return id;
}
