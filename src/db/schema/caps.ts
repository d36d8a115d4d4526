import { index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { CAP_WINDOWS } from '../../domain/capWindows.js';
import { instant, micro } from './columns.js';

/**
 * Spend caps (SPEC §3.16). `scope_kind`/`scope_id` name what is limited
 * (`org` has an empty id). `notified_pct` is the highest percent already
 * alerted in the window starting `window_start`; the alert job updates both
 * under a row lock, so each crossing alerts once across instances.
 */
export const caps = pgTable(
  'caps',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    scopeKind: text('scope_kind', { enum: ['org', 'group', 'member', 'project', 'api_key', 'meter'] }).notNull(),
    scopeId: text('scope_id').notNull(),
    window: text('window', { enum: CAP_WINDOWS }).notNull(),
    limit: micro('limit').notNull(),
    mode: text('mode', { enum: ['notify', 'block'] }).notNull(),
    notifyAtPercent: jsonb('notify_at_percent').$type<number[]>().notNull(),
    windowStart: instant('window_start'),
    notifiedPct: integer('notified_pct').notNull().default(0),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), index('caps_scope').on(t.orgId, t.scopeKind, t.scopeId)],
);

/**
 * Usage counted per cap and window (issue 16): credits of usage whose time
 * falls in the window starting `window_start`, kept up to date in the
 * transaction that records the usage, so admission reads a cap's use with
 * one indexed lookup instead of summing the window. A missing row means
 * "not counted yet": readers recompute it from events and captured holds.
 */
export const capCounters = pgTable(
  'cap_counters',
  {
    orgId: text('org_id').notNull(),
    capId: text('cap_id').notNull(),
    windowStart: instant('window_start').notNull(),
    used: micro('used').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.capId, t.windowStart] })],
);
