import { index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { instant, micro } from './columns.js';

/** A rollover rule as stored: amounts as micro-credit decimal strings (jsonb has no bigint). */
export interface StoredRollover {
  max_amount: string | null;
  max_percent: number | null;
  expires_after: string | null;
  priority: number | null;
}

/**
 * A recurring grant (issue 15): each period of the series anchor + k·cadence
 * the scheduler issues one grant. `next_index` is the first period not issued
 * yet and `next_issue_at` its start, so the job finds due schedules by index.
 */
export const grantSchedules = pgTable(
  'grant_schedules',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    source: text('source', { enum: ['included', 'purchased', 'promotional', 'adjustment'] }).notNull(),
    amount: micro('amount').notNull(),
    cadence: text('cadence').notNull(),
    anchor: instant('anchor').notNull(),
    /** "30d", "2w", "1mo", …; null: the grant expires at the end of its period */
    expiresAfter: text('expires_after'),
    priority: integer('priority').notNull(),
    rollover: jsonb('rollover').$type<StoredRollover>(),
    endsAt: instant('ends_at'),
    nextIndex: integer('next_index').notNull(),
    nextIssueAt: instant('next_issue_at'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), index('grant_schedules_due').on(t.nextIssueAt)],
);

/**
 * One row per issued period, written in the transaction that creates the
 * grant: the primary key makes issuing a period twice impossible, whichever
 * instance or restart gets there.
 */
export const grantScheduleIssues = pgTable(
  'grant_schedule_issues',
  {
    orgId: text('org_id').notNull(),
    scheduleId: text('schedule_id').notNull(),
    periodStart: instant('period_start').notNull(),
    periodEnd: instant('period_end').notNull(),
    periodIndex: integer('period_index').notNull(),
    grantId: text('grant_id').notNull(),
    issuedAt: instant('issued_at').notNull(),
    /** credit moved into a rollover grant at the end of the period, and that grant */
    rolledOver: micro('rolled_over'),
    rolloverGrantId: text('rollover_grant_id'),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.scheduleId, t.periodStart] }),
    uniqueIndex('grant_schedule_issues_grant').on(t.orgId, t.grantId),
  ],
);

/**
 * Server key pairs (the Ed25519 statement key), generated once by whichever
 * instance gets there first and kept in the database, PKCS8/SPKI PEM.
 */
export const serverKeys = pgTable('server_keys', {
  name: text('name').primaryKey(),
  algorithm: text('algorithm').notNull(),
  publicKey: text('public_key').notNull(),
  privateKey: text('private_key').notNull(),
  createdAt: instant('created_at').notNull(),
});
