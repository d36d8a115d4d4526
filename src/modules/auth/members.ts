import { and, eq, sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { credentials, members } from '../../db/schema/index.js';
import type { Role } from '../../actor.js';

export interface MemberIdentity {
  orgId: string;
  memberId: string;
  email: string;
  name: string;
  role: Role;
}

const IDENTITY = { orgId: members.orgId, memberId: members.id, email: members.email, name: members.name, role: members.role };

/** The one place the auth area reads a member's email, name and role (the members table of the allocations area). */
export async function loadMember(q: Q, orgId: string, memberId: string): Promise<MemberIdentity | undefined> {
  const [row] = await q
    .select(IDENTITY)
    .from(members)
    .where(and(eq(members.orgId, orgId), eq(members.id, memberId)))
    .limit(1);
  return row;
}

export interface LoginCandidate extends MemberIdentity {
  passwordHash: string | null;
}

/**
 * Members with this email and their password, in one organization or (when
 * the sign-in form names none) in every organization: an email may belong to
 * several. The join stays inside each organization.
 */
export async function findLogins(q: Q, email: string, orgId: string | undefined): Promise<LoginCandidate[]> {
  const byEmail = sql`lower(${members.email}) = ${email.toLowerCase()}`;
  return q
    .select({ ...IDENTITY, passwordHash: credentials.passwordHash })
    .from(members)
    .leftJoin(credentials, and(eq(credentials.orgId, members.orgId), eq(credentials.memberId, members.id)))
    .where(orgId ? and(eq(members.orgId, orgId), byEmail) : byEmail)
    .limit(10);
}
