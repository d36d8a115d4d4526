import { and, eq, sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { credentials } from '../../db/schema/index.js';
import type { Role } from '../../http/auth.js';

export interface MemberIdentity {
  orgId: string;
  memberId: string;
  email: string;
  name: string;
  role: Role;
}

/**
 * The one place the auth area reads a member's email, name and role. On this
 * branch they live in `credentials`; once the members table (allocations
 * area) is merged, this reads `members` instead and nothing else changes.
 */
export async function loadMember(q: Q, orgId: string, memberId: string): Promise<MemberIdentity | undefined> {
  const [row] = await q
    .select({ orgId: credentials.orgId, memberId: credentials.memberId, email: credentials.email, name: credentials.name, role: credentials.role })
    .from(credentials)
    .where(and(eq(credentials.orgId, orgId), eq(credentials.memberId, memberId)))
    .limit(1);
  return row;
}

export interface LoginCandidate extends MemberIdentity {
  passwordHash: string | null;
}

/** Accounts with this email, in every organization (an email may belong to several). */
export async function findLogins(q: Q, email: string, orgId: string | undefined): Promise<LoginCandidate[]> {
  const byEmail = sql`lower(${credentials.email}) = ${email.toLowerCase()}`;
  return q
    .select({
      orgId: credentials.orgId,
      memberId: credentials.memberId,
      email: credentials.email,
      name: credentials.name,
      role: credentials.role,
      passwordHash: credentials.passwordHash,
    })
    .from(credentials)
    .where(orgId ? and(eq(credentials.orgId, orgId), byEmail) : byEmail)
    .limit(10);
}
