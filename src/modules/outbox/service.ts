import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows } from '../../db/client.js';
import { groupBy } from '../../domain/group.js';

interface OutboxRow {
  id: string;
  notificationId: string;
  channel: 'webhook' | 'email';
  endpointId: string | null;
  recipients: string[];
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  lastError: string | null;
}

/**
 * The outbox, newest notification first, each with the delivery status of
 * every destination. An email waiting while SMTP is not configured shows as
 * `not_sent`.
 */
export async function listNotifications(args: {
  ctx: AppContext;
  orgId: string;
  type: string | undefined;
  before: string | undefined;
  limit: number;
}) {
  const { ctx, orgId, limit } = args;
  const mail = ctx.mail.transport !== null;
  const { found, deliveries } = await ctx.db.read(async (q) => {
    const found = await rows<{ id: string; type: string; data: Record<string, unknown>; createdAt: Date }>(
      q,
      sql`select id, type, data, created_at as "createdAt" from notifications
          where org_id = ${orgId} ${args.type ? sql`and type = ${args.type}` : sql``}
            ${args.before ? sql`and id < ${args.before}` : sql``}
          order by id desc limit ${limit + 1}`,
    );
    const ids = found.slice(0, limit).map((n) => n.id);
    const deliveries =
      ids.length === 0
        ? []
        : await rows<OutboxRow>(
            q,
            sql`select id, notification_id as "notificationId", channel, endpoint_id as "endpointId", recipients, status, attempts,
                  next_attempt_at as "nextAttemptAt", delivered_at as "deliveredAt", last_error as "lastError"
                from outbox where org_id = ${orgId} and notification_id = any(${sql.param(ids)}::text[]) order by id`,
          );
    return { found, deliveries };
  });
  const byNotification = groupBy(deliveries, (d) => d.notificationId);
  const data = found.slice(0, limit).map((n) => ({
    id: n.id,
    type: n.type,
    data: n.data,
    created_at: new Date(n.createdAt).toISOString(),
    deliveries: (byNotification.get(n.id) ?? []).map((d) => ({
      id: d.id,
      channel: d.channel,
      endpoint_id: d.endpointId,
      recipients: d.recipients,
      status: d.channel === 'email' && d.status === 'pending' && !mail ? ('not_sent' as const) : d.status,
      attempts: d.attempts,
      next_attempt_at: d.status === 'pending' ? new Date(d.nextAttemptAt).toISOString() : null,
      delivered_at: d.deliveredAt === null ? null : new Date(d.deliveredAt).toISOString(),
      last_error: d.channel === 'email' && d.status === 'pending' && !mail ? 'SMTP is not configured (TALLY_SMTP_URL)' : d.lastError,
    })),
  }));
  return { data, next: found.length > limit ? data[data.length - 1]!.id : null };
}
