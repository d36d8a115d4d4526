import { sql } from 'drizzle-orm';
import type { AppliesTo } from '../../domain/appliesTo.js';
import { bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { instant, micro } from './columns.js';

// Every table carries org_id first in its primary key: the schema is sharded
// by organization, and no query joins two organizations.

export const orgs = pgTable('orgs', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  timezone: text('timezone').notNull(),
  /** micro-credits per $1 of cost; 0 turns credit tracking off */
  creditFactor: micro('credit_factor').notNull(),
  graceDays: integer('grace_days').notNull().default(35),
  overage: text('overage', { enum: ['allow', 'deny'] }).notNull().default('deny'),
  /** origins (scheme://host[:port]) allowed to frame this organization's embedded dashboard */
  embedOrigins: text('embed_origins').array().notNull().default(sql`'{}'::text[]`),
  createdAt: instant('created_at').notNull(),
  updatedAt: instant('updated_at').notNull(),
  /**
   * Bumped (by triggers, in the same transaction) on every change of the
   * organization's configuration: settings, meters, plan, thresholds,
   * auto-recharge, groups, members, caps. Read with the organization lock, it
   * tells a server whether its cached configuration is still current.
   */
  configVersion: bigint('config_version', { mode: 'number' }).notNull().default(0),
});

/** One row (id 1): the version of platform-wide configuration (platform meters), bumped by a trigger. */
export const platformConfig = pgTable('platform_config', {
  id: integer('id').primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull().default(0),
});

export const grants = pgTable(
  'grants',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    source: text('source', { enum: ['included', 'purchased', 'promotional', 'adjustment'] }).notNull(),
    priority: integer('priority').notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /** the usage this grant's blocks may pay for (SPEC §3.16); null = all usage */
    appliesTo: jsonb('applies_to').$type<AppliesTo>(),
    /** set while a purchased grant waits for its payment; blocks are not spendable meanwhile */
    pendingPayment: boolean('pending_payment').notNull().default(false),
    voidedAt: instant('voided_at'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] })],
);

export const blocks = pgTable(
  'blocks',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    grantId: text('grant_id').notNull(),
    seq: bigint('seq', { mode: 'bigint' }).generatedAlwaysAsIdentity(),
    amount: micro('amount').notNull(),
    /** cache of the block account's balance, written with every entry; `tally verify` proves it */
    remaining: micro('remaining').notNull(),
    startsAt: instant('starts_at').notNull(),
    expiresAt: instant('expires_at'),
    /** when the expiry entry was written (the block may have expired earlier) */
    expiryBookedAt: instant('expiry_booked_at'),
    /** what the expiry entry moved out of the block */
    expiredAmount: micro('expired_amount').notNull().default(sql`0`),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.id] }),
    index('blocks_grant').on(t.orgId, t.grantId),
    check('blocks_remaining_not_negative', sql`${t.remaining} >= 0`),
  ],
);

/**
 * The append-only ledger. One row moves `amount` (> 0) from one account to
 * another, so every row nets to zero and so does every organization. Accounts:
 * `block:<id>`, `issued`, `consumed`, `expired`, `voided`, `held`, `overage`.
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    orgId: text('org_id').notNull(),
    id: bigint('id', { mode: 'bigint' }).generatedAlwaysAsIdentity(),
    type: text('type', {
      enum: ['grant', 'usage', 'expiry', 'void', 'adjustment', 'hold', 'hold_release', 'hold_capture', 'reversal', 'rollover'],
    }).notNull(),
    amount: micro('amount').notNull(),
    fromAccount: text('from_account').notNull(),
    toAccount: text('to_account').notNull(),
    blockId: text('block_id'),
    /** the block's balance right after this entry, in recording order */
    blockBalanceAfter: micro('block_balance_after'),
    grantId: text('grant_id'),
    occurredAt: instant('occurred_at').notNull(),
    recordedAt: instant('recorded_at').notNull(),
    eventId: text('event_id'),
    ref: text('ref'),
    actor: text('actor'),
    /** position in the organization's hash chain, 1, 2, 3… in recording order (null: written before the chain existed and left unchained by migration 0018, see docs/statement-proof.md) */
    chainSeq: bigint('chain_seq', { mode: 'bigint' }),
    /** SHA-256 hex of the entry's canonical fields and the previous entry's hash (src/domain/chain.ts) */
    hash: text('hash'),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.id] }),
    uniqueIndex('ledger_chain_seq').on(t.orgId, t.chainSeq),
    index('ledger_block').on(t.orgId, t.blockId, t.id),
    index('ledger_grant').on(t.orgId, t.grantId, t.id),
    index('ledger_occurred').on(t.orgId, t.occurredAt),
    check('ledger_amount_positive', sql`${t.amount} > 0`),
    check('ledger_two_accounts', sql`${t.fromAccount} <> ${t.toAccount}`),
  ],
);

/**
 * The head of each organization's hash chain: the last position written and
 * its hash. Read and advanced by LedgerBatch.flush, inside the transaction
 * that holds the organization's row lock (every writer of entries does).
 */
export const ledgerChain = pgTable('ledger_chain', {
  orgId: text('org_id').primaryKey(),
  seq: bigint('seq', { mode: 'bigint' }).notNull(),
  hash: text('hash').notNull(),
});

/** Cached balances of the organization-wide accounts (block balances live on blocks). */
export const accounts = pgTable(
  'accounts',
  {
    orgId: text('org_id').notNull(),
    account: text('account').notNull(),
    balance: micro('balance').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.account] })],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    orgId: text('org_id').notNull(),
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code').notNull(),
    body: jsonb('body').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.scope, t.key] })],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: ['owner', 'billing_admin', 'manager', 'member'] }).notNull(),
    memberId: text('member_id'),
    secretHash: text('secret_hash').notNull(),
    createdAt: instant('created_at').notNull(),
    revokedAt: instant('revoked_at'),
    /** at most a minute stale: the authenticator writes it when it reads the key from the database */
    lastUsedAt: instant('last_used_at'),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), index('api_keys_hash').on(t.orgId, t.secretHash)],
);
