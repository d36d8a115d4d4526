import type { Q } from '../../db/client.js';
import { newId } from '../../ids.js';
import {findSubscribedEndpointIds} from '../webhooks/index.js';
import { insertDeliveries, insertNotification, type Channel } from './queries.js';

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
  await insertNotification(tx, n.orgId, { id, type: n.type, data: n.data, createdAt: n.now });
  const endpoints = await findSubscribedEndpointIds(tx, n.orgId, n.type);
  const destinations: { channel: Channel; endpointId: string | null; recipients: string[] }[] = endpoints.map((endpointId) => ({
    channel: 'webhook',
    endpointId,
    recipients: [],
  }));
  const emails = [...new Set(n.emails ?? [])];
  if (emails.length > 0) destinations.push({ channel: 'email', endpointId: null, recipients: emails });
  if (destinations.length === 0) return id;
  await insertDeliveries(
    tx,
    n.orgId,
    id,
    n.now,
    destinations.map((d) => ({ id: newId('dlv', n.now.getTime()), ...d })),
  );
  return id;
}
