import { pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { instant } from './columns.js';

// Dashboard sign-in (SPEC §6, issue 6): passwords, sessions and embed tokens.

/** A member's dashboard password. Email, name and role live in `members` (allocations area). */
export const credentials = pgTable(
  'credentials',
  {
    orgId: text('org_id').notNull(),
    memberId: text('member_id').notNull(),
    /** scrypt$N$r$p$salt$hash */
    passwordHash: text('password_hash').notNull(),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.memberId] })],
);

export const sessions = pgTable(
  'sessions',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    memberId: text('member_id').notNull(),
    /** sha256 of the session secret; the secret itself lives only in the cookie or the embedding page */
    secretHash: text('secret_hash').notNull(),
    /** synchronizer token for cookie-authenticated writes; useless without the cookie */
    csrfToken: text('csrf_token').notNull(),
    kind: text('kind', { enum: ['password', 'embed'] }).notNull(),
    createdAt: instant('created_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    revokedAt: instant('revoked_at'),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), uniqueIndex('sessions_secret').on(t.orgId, t.secretHash)],
);

export const embedTokens = pgTable(
  'embed_tokens',
  {
    orgId: text('org_id').notNull(),
    id: text('id').notNull(),
    memberId: text('member_id').notNull(),
    secretHash: text('secret_hash').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: instant('created_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), uniqueIndex('embed_tokens_secret').on(t.orgId, t.secretHash)],
);
