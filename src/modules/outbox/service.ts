import type { AppContext } from '../../context.js';
import { groupBy } from '../../domain/group.js';
import { findDeliveriesOf, findNotifications } from './queries.js';

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
    const found = await findNotifications(q, orgId, { type: args.type, before: args.before, limit: limit + 1 });
    const ids = found.slice(0, limit).map((n) => n.id);
    const deliveries = ids.length === 0 ? [] : await findDeliveriesOf(q, orgId, ids);
    return { found, deliveries };
  });
  const byNotification = groupBy(deliveries, (d) => d.notificationId);
  const data = found.slice(0, limit).map((n) => ({
    id: n.id,
    type: n.type,
    data: n.data,
    created_at: n.createdAt.toISOString(),
    deliveries: (byNotification.get(n.id) ?? []).map((d) => ({
      id: d.id,
      channel: d.channel,
      endpoint_id: d.endpointId,
      recipients: d.recipients,
      status: d.channel === 'email' && d.status === 'pending' && !mail ? ('not_sent' as const) : d.status,
      attempts: d.attempts,
      next_attempt_at: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
      delivered_at: d.deliveredAt?.toISOString() ?? null,
      last_error: d.channel === 'email' && d.status === 'pending' && !mail ? 'SMTP is not configured (TALLY_SMTP_URL)' : d.lastError,
    })),
  }));
  return { data, next: found.length > limit ? data[data.length - 1]!.id : null };
}
