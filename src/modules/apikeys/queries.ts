import { and, eq, sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import { apiKeys } from '../../db/schema/index.js';
import type { Role } from '../../actor.js';

export interface LiveKey {
  id: string;
  role: Role;
  memberId: string | null;
  /** the bound member's current role; null when the key is unbound or its member is gone */
  memberRole: Role | null;
  lastUsedAt: Date | string | null;
}

/** The live (unrevoked) key with this secret hash and, for a key bound to a member, that member's role. */
export async function findLiveKey(q: Q, orgId: string, secretHash: string): Promise<LiveKey | undefined> {
  const [row] = await rows<LiveKey>(
    q,
    sql`select k.id, k.role, k.member_id as "memberId", m.role as "memberRole", k.last_used_at as "lastUsedAt"
        from api_keys k left join members m on m.org_id = k.org_id and m.id = k.member_id
        where k.org_id = ${orgId} and k.secret_hash = ${secretHash} and k.revoked_at is null limit 1`,
  );
  return row;
}

export async function recordKeyUse(tx: Q, orgId: string, keyId: string, now: Date): Promise<void> {
  await tx.update(apiKeys).set({ lastUsedAt: now }).where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, keyId)));
}
