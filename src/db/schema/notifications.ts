import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { instant, micro } from './columns.js';

// SPEC §3.11: low-credit alerts, webhooks and email through a durable outbox;
// credit purchases and auto-recharge.

/** A customer's webhook endpoint. The secret is kept as given: it is needed to sign every message. */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    url: text('url').notNull(),
    events: jsonb('events').$type<string[]>().notNull(),
    enabled: boolean('enabled').notNull(),
    secret: text('secret').notNull(),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
    deletedAt: instant('deleted_at'),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] })],
);

/** One notification (an event such as balance.low), written in the transaction that caused it. */
export const notifications = pgTable(
  'notifications',
  {
    orgId: text('org_id').notNull(),
    /** the stable message id (`webhook-id`) receivers use to drop repeats */
    id: text('id').notNull(),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] })],
);

/** The outbox: one row per destination (a webhook endpoint or an email) of a notification. */
export const outbox = pgTable(
  'outbox',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    notificationId: text('notification_id').notNull(),
    channel: text('channel', { enum: ['webhook', 'email'] }).notNull(),
    endpointId: text('endpoint_id'),
    recipients: jsonb('recipients').$type<string[]>().notNull().default([]),
    status: text('status', { enum: ['pending', 'delivered', 'failed', 'cancelled'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** when the worker may next take it (also the lease of a claimed row) */
    nextAttemptAt: instant('next_attempt_at').notNull(),
    deliveredAt: instant('delivered_at'),
    lastError: text('last_error'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.id] }),
    index('outbox_due').on(t.status, t.nextAttemptAt),
    index('outbox_notification').on(t.orgId, t.notificationId),
    index('outbox_endpoint').on(t.orgId, t.endpointId),
  ],
);

/** Every delivery attempt, successful or not. */
export const outboxAttempts = pgTable(
  'outbox_attempts',
  {
    orgId: text('org_id').notNull(),
    outboxId: text('outbox_id').notNull(),
    attempt: integer('attempt').notNull(),
    attemptedAt: instant('attempted_at').notNull(),
    ok: boolean('ok').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.outboxId, t.attempt] })],
);

export const alertSettings = pgTable('alert_settings', {
  orgId: text('org_id').primaryKey(),
  emails: jsonb('emails').$type<string[]>().notNull(),
  updatedAt: instant('updated_at').notNull(),
});

/** A low-credit threshold and whether it has fired for the current crossing. */
export const alertThresholds = pgTable(
  'alert_thresholds',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    credits: micro('credits'),
    /** percent of included credits, in basis points (1500 = 15%) */
    pctBp: integer('pct_bp'),
    state: text('state', { enum: ['armed', 'fired'] }).notNull(),
    changedAt: instant('changed_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.id] }),
    check('alert_threshold_one_kind', sql`(${t.credits} is null) <> (${t.pctBp} is null)`),
    check('alert_threshold_credits', sql`${t.credits} is null or ${t.credits} >= 0`),
  ],
);

/** Grants whose `grant.depleted` notice was sent, so it is sent once. */
export const grantDepletions = pgTable(
  'grant_depletions',
  {
    orgId: text('org_id').notNull(),
    grantId: text('grant_id').notNull(),
    notifiedAt: instant('notified_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.grantId] })],
);

export const purchases = pgTable(
  'purchases',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    grantId: text('grant_id').notNull(),
    amount: micro('amount').notNull(),
    priceUsd: micro('price_usd'),
    status: text('status', { enum: ['pending_payment', 'paid', 'failed'] }).notNull(),
    origin: text('origin', { enum: ['manual', 'auto_recharge'] }).notNull(),
    provider: text('provider').notNull(),
    providerRef: text('provider_ref'),
    idempotencyKey: text('idempotency_key').notNull(),
    failureReason: text('failure_reason'),
    actor: text('actor'),
    createdAt: instant('created_at').notNull(),
    paidAt: instant('paid_at'),
    failedAt: instant('failed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.id] }),
    uniqueIndex('purchases_idempotency').on(t.orgId, t.idempotencyKey),
    check('purchases_amount_positive', sql`${t.amount} > 0`),
  ],
);

export const autoRecharge = pgTable('auto_recharge', {
  orgId: text('org_id').primaryKey(),
  enabled: boolean('enabled').notNull(),
  threshold: micro('threshold').notNull(),
  amount: micro('amount').notNull(),
  maxPerMonth: integer('max_per_month').notNull(),
  cooldownMinutes: integer('cooldown_minutes').notNull(),
  /** the auto-recharge purchase waiting for its payment, if any: never two in flight */
  inFlightPurchaseId: text('in_flight_purchase_id'),
  lastStartedAt: instant('last_started_at'),
  lastFailedAt: instant('last_failed_at'),
  updatedAt: instant('updated_at').notNull(),
});

/** An alert rule of SPEC §3.17 (runway.low, grant.expiring, usage.spike, allocation.low, ...): its type and settings. */
export const alertRules = pgTable(
  'alert_rules',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    type: text('type').notNull(),
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] })],
);

/**
 * One rule's state per subject it watches (the organization, a member, a
 * project, a block): armed or fired for the current crossing, with what the
 * last notice said.
 */
export const alertRuleStates = pgTable(
  'alert_rule_states',
  {
    orgId: text('org_id').notNull(),
    ruleId: text('rule_id').notNull(),
    subject: text('subject').notNull(),
    state: text('state', { enum: ['armed', 'fired'] }).notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    changedAt: instant('changed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.ruleId, t.subject] })],
);
