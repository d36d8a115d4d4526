import { sql } from 'drizzle-orm';
import { date, index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { instant, micro } from './columns.js';

/**
 * The ledger folded by local day (SPEC §3.9 daily ledger), so statements and
 * balances by day never scan the entries. Maintained in the transactions that
 * write entries (balanceChanged hook) and at period close; `ledger_fold`
 * remembers the last entry folded per organization. Per organization entry ids
 * commit in id order (every writer holds the organization lock), so a
 * watermark is exact. Flows are signed credits into (+) or out of (−) the
 * organization's balance accounts (blocks, held, overage).
 */
export const ledgerDaily = pgTable(
  'ledger_daily',
  {
    orgId: text('org_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    purchased: micro('purchased').notNull(),
    granted: micro('granted').notNull(),
    /** adjustment grants minus voids */
    adjustments: micro('adjustments').notNull(),
    consumed: micro('consumed').notNull(),
    /** the part of `consumed` no block paid (overage → consumed) */
    overage: micro('overage').notNull(),
    expired: micro('expired').notNull(),
    /** credit moved from an expiring scheduled grant into its rollover block (balance-neutral) */
    rolledOver: micro('rolled_over').notNull().default(sql`0`),
    /** what expired from a scheduled grant with a rollover rule beyond its cap */
    forfeited: micro('forfeited').notNull().default(sql`0`),
    /** credits returned (+) or charged (−) by corrections of usage from closed periods; part of `consumed`, not a term */
    corrections: micro('corrections').notNull().default(sql`0`),
    /** net change of the balance accounts: must equal purchased + granted + adjustments − consumed − expired − forfeited */
    net: micro('net').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.day] })],
);

export const ledgerFold = pgTable('ledger_fold', {
  orgId: text('org_id').primaryKey(),
  lastEntryId: micro('last_entry_id').notNull(),
});

/** A closed period's statement, stored once at close and never changed. */
export const statements = pgTable(
  'statements',
  {
    orgId: text('org_id').notNull(),
    period: text('period').notNull(),
    startsAt: instant('starts_at').notNull(),
    endsAt: instant('ends_at').notNull(),
    broughtForward: micro('brought_forward').notNull(),
    purchased: micro('purchased').notNull(),
    granted: micro('granted').notNull(),
    adjustments: micro('adjustments').notNull(),
    consumed: micro('consumed').notNull(),
    expired: micro('expired').notNull(),
    rolledOver: micro('rolled_over').notNull().default(sql`0`),
    forfeited: micro('forfeited').notNull().default(sql`0`),
    corrections: micro('corrections').notNull().default(sql`0`),
    closing: micro('closing').notNull(),
    closedAt: instant('closed_at').notNull(),
    /** the canonical JSON document signed at close (docs/statement-proof.md); null for statements closed before proofs */
    signedBody: text('signed_body'),
    /** base64url Ed25519 signature of signed_body by the statement key */
    signature: text('signature'),
    signatureKeyId: text('signature_key_id'),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.period] })],
);

export const statementDays = pgTable(
  'statement_days',
  {
    orgId: text('org_id').notNull(),
    period: text('period').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    topUps: micro('top_ups').notNull(),
    creditsUsed: micro('credits_used').notNull(),
    expired: micro('expired').notNull(),
    balance: micro('balance').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.period, t.day] })],
);

/** Issued invoices; the open period's draft is computed, not stored. */
export const invoices = pgTable(
  'invoices',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    period: text('period').notNull(),
    status: text('status', { enum: ['issued', 'paid', 'void'] }).notNull(),
    /** InvoiceLine[] (src/modules/invoices/queries.ts) */
    lines: jsonb('lines').$type<Record<string, string>[]>().notNull(),
    subtotalUsd: micro('subtotal_usd').notNull(),
    creditsApplied: micro('credits_applied').notNull(),
    creditsAppliedUsd: micro('credits_applied_usd').notNull(),
    amountDueUsd: micro('amount_due_usd').notNull(),
    issuedAt: instant('issued_at').notNull(),
    paidAt: instant('paid_at'),
    voidedAt: instant('voided_at'),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), index('invoices_period').on(t.orgId, t.period)],
);

/** An organization's plan: limits (null = unlimited) and allowances, as decimal strings. */
export const plans = pgTable('plans', {
  orgId: text('org_id').primaryKey(),
  name: text('name').notNull(),
  limits: jsonb('limits').$type<Record<string, string | null>>().notNull(),
  allowances: jsonb('allowances').$type<Record<string, string | null>>().notNull(),
  updatedAt: instant('updated_at').notNull(),
});

/**
 * One row per scheduler transition (job, organization, what was due), written
 * in the transaction that does the work: the primary key makes a second
 * instance's duplicate impossible, and the table is the scheduler's history.
 */
export const jobRuns = pgTable(
  'job_runs',
  {
    orgId: text('org_id').notNull(),
    job: text('job').notNull(),
    dueKey: text('due_key').notNull(),
    instance: text('instance').notNull(),
    doneAt: instant('done_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.job, t.dueKey] })],
);
