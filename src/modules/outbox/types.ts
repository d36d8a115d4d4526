/** Notification types a webhook endpoint may subscribe to (SPEC §3.11 and issue 5). */
export const NOTIFICATION_TYPES = [
  'balance.low',
  'balance.low_resolved',
  'grant.created',
  'grant.expired',
  'grant.depleted',
  'request.created',
  'request.decided',
  'purchase.paid',
  'auto_recharge.failed',
  'statement.closed',
  'invoice.issued',
  'cap.threshold',
] as const;

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
