import type { Q } from '../../db/client.js';
import type { Role } from '../../actor.js';
import { findMember } from '../members/index.js';

export interface MemberIdentity {
  orgId: string;
  memberId: string;
  email: string;
  name: string;
  role: Role;
}

/** The one place the auth area reads a member's email, name and role (through the members module). */
export async function loadMember(q: Q, orgId: string, memberId: string): Promise<MemberIdentity | undefined> {
  const m = await findMember(q, orgId, memberId);
  return m && { orgId, memberId: m.id, email: m.email, name: m.name, role: m.role };
}

export interface LoginCandidate extends MemberIdentity {
  passwordHash: string | null;
}
