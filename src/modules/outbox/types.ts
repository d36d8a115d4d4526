/**
 * Notification types a webhook endpoint may subscribe to (SPEC §3.11, §3.17).
 * Each has an entry in catalogue.ts (when it fires, its payload); a test keeps
 * the two lists equal. This file stays free of zod: the dashboard imports it.
 */
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
  'runway.low',
  'grant.expiring',
  'usage.spike',
  'allocation.low',
] as const;

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
