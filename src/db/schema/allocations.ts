import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { CYCLE_CADENCES as CADENCES } from '../../domain/cycles.js';
import { instant, micro } from './columns.js';

// Cycles, groups, members, holds, credit requests and the audit log (SPEC §1, §3.6–§3.8, §3.12).

export const MEMBER_ROLES = ['owner', 'billing_admin', 'manager', 'member'] as const;

export const orgSettings = pgTable('org_settings', {
  orgId: text('org_id').primaryKey(),
  /** the account credit limit per cycle; null = no limit */
  creditsPerCycle: micro('credits_per_cycle'),
  cycleCadence: text('cycle_cadence', { enum: CADENCES }).notNull(),
  /** cycles are anchor + k·step; a reset or a cadence change moves the anchor to that instant */
  cycleAnchor: instant('cycle_anchor').notNull(),
  creditsPerNewUser: micro('credits_per_new_user').notNull().default(sql`0`),
  /** a capture may exceed its hold by this percentage */
  captureExcessPct: integer('capture_excess_pct').notNull().default(0),
  updatedAt: instant('updated_at').notNull(),
});

export const cycles = pgTable(
  'cycles',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    seq: integer('seq').notNull(),
    startsAt: instant('starts_at').notNull(),
    /** planned end while open; the actual end once closed */
    endsAt: instant('ends_at').notNull(),
    cadence: text('cadence', { enum: CADENCES }).notNull(),
    creditsPerCycle: micro('credits_per_cycle'),
    closedAt: instant('closed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.id] }),
    uniqueIndex('cycles_seq').on(t.orgId, t.seq),
    // usage is matched to the cycle whose range contains its booking time
    index('cycles_start').on(t.orgId, t.startsAt),
  ],
);

/** Usage per cycle and member, maintained in the ingest transaction; member '' is the whole organization. */
export const cycleUsage = pgTable(
  'cycle_usage',
  {
    orgId: text('org_id').notNull(),
    cycleId: text('cycle_id').notNull(),
    memberId: text('member_id').notNull(),
    used: micro('used').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.cycleId, t.memberId] })],
);

export const groups = pgTable(
  'groups',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    monthlyAllocation: micro('monthly_allocation').notNull(),
    /** supplementary credits for the cycle `extra_cycle_id` only */
    extra: micro('extra').notNull(),
    extraCycleId: text('extra_cycle_id'),
    autoApproveReserve: micro('auto_approve_reserve').notNull(),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), uniqueIndex('groups_name').on(t.orgId, sql`lower(${t.name})`)],
);

export const members = pgTable(
  'members',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: MEMBER_ROLES }).notNull(),
    groupId: text('group_id').notNull(),
    /** individual monthly allocation; null = draws on the group's pool */
    monthly: micro('monthly'),
    extra: micro('extra').notNull(),
    extraCycleId: text('extra_cycle_id'),
    managedGroupIds: text('managed_group_ids').array().notNull().default(sql`'{}'::text[]`),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.id] }),
    uniqueIndex('members_email').on(t.orgId, sql`lower(${t.email})`),
    index('members_group').on(t.orgId, t.groupId),
  ],
);

export const holds = pgTable(
  'holds',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    memberId: text('member_id').notNull(),
    amount: micro('amount').notNull(),
    capturedAmount: micro('captured_amount'),
    jobId: text('job_id'),
    /** the project and API key the hold was taken for (SPEC §3.16), so per-project and per-key caps count it */
    project: text('project'),
    apiKeyId: text('api_key_id'),
    status: text('status', { enum: ['open', 'captured', 'released', 'expired'] }).notNull(),
    expiresAt: instant('expires_at'),
    createdAt: instant('created_at').notNull(),
    closedAt: instant('closed_at'),
    actor: text('actor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), index('holds_open').on(t.orgId, t.status, t.expiresAt)],
);

export const creditRequests = pgTable(
  'credit_requests',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    memberId: text('member_id').notNull(),
    /** kept so the list still names a requester who was removed */
    requesterName: text('requester_name').notNull(),
    requesterEmail: text('requester_email').notNull(),
    groupId: text('group_id').notNull(),
    cycleId: text('cycle_id').notNull(),
    amount: micro('amount').notNull(),
    approvedAmount: micro('approved_amount'),
    reason: text('reason').notNull(),
    status: text('status', { enum: ['pending', 'approved', 'denied', 'auto_approved'] }).notNull(),
    note: text('note'),
    decidedBy: text('decided_by'),
    decidedAt: instant('decided_at'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), index('credit_requests_status').on(t.orgId, t.status, t.id)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    at: instant('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), index('audit_action').on(t.orgId, t.action, t.id)],
);
