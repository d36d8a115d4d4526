import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { instant, micro } from './columns.js';

const meterColumns = {
  key: text('key').notNull(),
  name: text('name').notNull(),
  unit: text('unit').notNull(),
  category: text('category').notNull(),
  aggregation: text('aggregation', { enum: ['sum', 'count', 'max', 'latest'] }).notNull(),
  unitPrice: micro('unit_price').notNull(),
  priceCurrency: text('price_currency', { enum: ['credits', 'usd'] }).notNull(),
  /** resource class → unit price in micro-units, as decimal strings of integers */
  resourceClassPrices: jsonb('resource_class_prices').$type<Record<string, string>>().notNull().default({}),
  /** where a CloudEvent's `data` holds the quantity, e.g. `$.tokens` (null: count meters take 1) */
  valuePath: text('value_path'),
  updatedAt: instant('updated_at').notNull(),
};

/** Platform-wide meters: a small reference table, copied to every shard in a distributed engine. */
export const meters = pgTable('meters', meterColumns, (t) => [primaryKey({ columns: [t.key] })]);

/** An organization's own price or definition of a meter, overriding the platform's. */
export const orgMeters = pgTable('org_meters', { orgId: text('org_id').notNull(), ...meterColumns }, (t) => [
  primaryKey({ columns: [t.orgId, t.key] }),
]);

export const events = pgTable(
  'events',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    meter: text('meter').notNull(),
    quantity: micro('quantity').notNull(),
    timestamp: instant('timestamp').notNull(),
    recordedAt: instant('recorded_at').notNull(),
    userId: text('user_id'),
    project: text('project'),
    /** the API key that reported the event (SPEC §3.16); null for the platform key unless it named one */
    apiKeyId: text('api_key_id'),
    resourceClass: text('resource_class'),
    jobId: text('job_id'),
    jobName: text('job_name'),
    properties: jsonb('properties').$type<Record<string, unknown>>(),
    costCredits: micro('cost_credits').notNull(),
    costUsd: micro('cost_usd'),
    /** the part of the cost no block could pay */
    overage: micro('overage').notNull(),
    /** active, voided or amended (SPEC §3.14 usage corrections); the history is in event_corrections */
    status: text('status', { enum: ['active', 'voided', 'amended'] }).notNull().default('active'),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.id] }),
    index('events_time').on(t.orgId, t.timestamp, t.id),
    // per-key caps read a key's usage in a window without the other keys' events
    index('events_api_key').on(t.orgId, t.apiKeyId, t.timestamp).where(sql`${t.apiKeyId} is not null`),
  ],
);

/**
 * One void or amend of a usage event: who and when, the event's billable
 * fields before and after, and how it was booked (`period` is the open period
 * the correction's entries fell in; `closed` when the original usage lay in an
 * earlier, closed period and was corrected through `adjustment` entries).
 * `parts` are the rollup deltas per meter and resource class (the invoice's
 * Corrections line takes them out of the meter lines).
 */
export const eventCorrections = pgTable(
  'event_corrections',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    eventId: text('event_id').notNull(),
    kind: text('kind', { enum: ['void', 'amend'] }).notNull(),
    actor: text('actor').notNull(),
    at: instant('at').notNull(),
    before: jsonb('before').$type<Record<string, unknown>>().notNull(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    period: text('period').notNull(),
    /** local date of the original usage */
    originalDay: date('original_day', { mode: 'string' }).notNull(),
    closed: boolean('closed').notNull(),
    creditsDelta: micro('credits_delta').notNull(),
    usdDelta: micro('usd_delta').notNull(),
    parts: jsonb('parts').$type<{ meter: string; resource_class: string; events: number; quantity: string; usd: string }[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), index('event_corrections_event').on(t.orgId, t.eventId), index('event_corrections_period').on(t.orgId, t.period)],
);

// Rollups maintained in the ingest transaction, so analytics never scan raw
// events. Dimensions use '' for "none" so they can sit in the primary key.

export const usageDaily = pgTable(
  'usage_daily',
  {
    orgId: text('org_id').notNull(),
    /** local date in the organization's time zone */
    day: date('day', { mode: 'string' }).notNull(),
    meter: text('meter').notNull(),
    userId: text('user_id').notNull(),
    project: text('project').notNull(),
    resourceClass: text('resource_class').notNull(),
    events: integer('events').notNull(),
    quantity: micro('quantity').notNull(),
    credits: micro('credits').notNull(),
    usd: micro('usd').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.day, t.meter, t.userId, t.project, t.resourceClass] })],
);

export const usageHourly = pgTable(
  'usage_hourly',
  {
    orgId: text('org_id').notNull(),
    /** the instant the local hour starts */
    hour: instant('hour').notNull(),
    meter: text('meter').notNull(),
    events: integer('events').notNull(),
    quantity: micro('quantity').notNull(),
    maxQuantity: micro('max_quantity').notNull(),
    credits: micro('credits').notNull(),
    usd: micro('usd').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.hour, t.meter] })],
);

export const jobDaily = pgTable(
  'job_daily',
  {
    orgId: text('org_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    jobId: text('job_id').notNull(),
    name: text('name').notNull(),
    project: text('project').notNull(),
    userId: text('user_id').notNull(),
    resourceClass: text('resource_class').notNull(),
    credits: micro('credits').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.day, t.jobId] }), index('job_daily_day').on(t.orgId, t.day)],
);


/**
 * The platform's own customer ids, mapped to organizations, so a CloudEvents subject or a Stripe
 * customer id resolves without the sender knowing Tally's ids. Unique platform-wide: one customer
 * id names one organization.
 */
export const customerAliases = pgTable(
  'customer_aliases',
  {
    alias: text('alias').notNull(),
    orgId: text('org_id').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.alias] }), index('customer_aliases_org').on(t.orgId)],
);
