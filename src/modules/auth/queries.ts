import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { credentials, embedTokens, members, sessions } from '../../db/schema/index.js';
import type { LoginCandidate } from './members.js';

export type SessionRow = typeof sessions.$inferSelect;
export type EmbedTokenRow = typeof embedTokens.$inferSelect;

export async function insertSession(tx: Q, s: Omit<SessionRow, 'revokedAt'>): Promise<void> {
  await tx.insert(sessions).values(s);
}

/** The session with this secret hash, unless it is revoked or has expired by `now`. */
export async function findLiveSession(q: Q, orgId: string, secretHash: string, now: Date): Promise<SessionRow | undefined> {
  const [session] = await q
    .select()
    .from(sessions)
    .where(and(eq(sessions.orgId, orgId), eq(sessions.secretHash, secretHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .limit(1);
  return session;
}

export async function revokeSession(tx: Q, orgId: string, secretHash: string, now: Date): Promise<void> {
  await tx
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.orgId, orgId), eq(sessions.secretHash, secretHash), isNull(sessions.revokedAt)));
}

/** Sets or replaces a member's password hash. */
export async function upsertCredential(tx: Q, orgId: string, memberId: string, passwordHash: string, now: Date): Promise<void> {
  await tx
    .insert(credentials)
    .values({ orgId, memberId, passwordHash, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: [credentials.orgId, credentials.memberId], set: { passwordHash, updatedAt: now } });
}

export async function insertEmbedToken(tx: Q, t: EmbedTokenRow): Promise<void> {
  await tx.insert(embedTokens).values(t);
}

/** The embed token with this secret hash, expired or not (the caller tells the two apart). */
export async function findEmbedToken(q: Q, orgId: string, secretHash: string): Promise<EmbedTokenRow | undefined> {
  const [row] = await q
    .select()
    .from(embedTokens)
    .where(and(eq(embedTokens.orgId, orgId), eq(embedTokens.secretHash, secretHash)))
    .limit(1);
  return row;
}

/** Revokes every live session of the member. */
export async function revokeSessionsOfMember(tx: Q, orgId: string, memberId: string, now: Date): Promise<void> {
  await tx.execute(sql`update sessions set revoked_at = ${now.toISOString()}::timestamptz where org_id = ${orgId} and member_id = ${memberId} and revoked_at is null`);
}

/** Ends every embed token of the member that has not expired yet: it expires now. */
export async function expireEmbedTokensOfMember(tx: Q, orgId: string, memberId: string, now: Date): Promise<void> {
  await tx.execute(sql`update embed_tokens set expires_at = ${now.toISOString()}::timestamptz where org_id = ${orgId} and member_id = ${memberId} and expires_at > ${now.toISOString()}::timestamptz`);
}

/**
 * Members with this email and their password, in one organization or (when
 * the sign-in form names none) in every organization: an email may belong to
 * several. The join stays inside each organization; it joins members in its
 * own statement (sign-in's question, one round trip), as members/queries.ts allows.
 */
export async function findLogins(q: Q, email: string, orgId: string | undefined): Promise<LoginCandidate[]> {
  const byEmail = sql`lower(${members.email}) = ${email.toLowerCase()}`;
  return q
    .select({ orgId: members.orgId, memberId: members.id, email: members.email, name: members.name, role: members.role, passwordHash: credentials.passwordHash })
    .from(members)
    .leftJoin(credentials, and(eq(credentials.orgId, members.orgId), eq(credentials.memberId, members.id)))
    .where(orgId ? and(eq(members.orgId, orgId), byEmail) : byEmail)
    .limit(10);
}
