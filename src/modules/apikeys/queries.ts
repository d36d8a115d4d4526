import { and, eq, sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { date, dateOrNull, mapFirst, mapRows, text, textOf, textOrNull } from '../../db/rows.js';
import { apiKeys } from '../../db/schema/index.js';
import type { Role } from '../../actor.js';

export interface LiveKey {
  id: string;
  role: Role;
  memberId: string | null;
  /** the bound member's current role; null when the key is unbound or its member is gone */
  memberRole: Role | null;
  lastUsedAt: Date | null;
}

/** The live (unrevoked) key with this secret hash and, for a key bound to a member, that member's role. */
export async function findLiveKey(q: Q, orgId: string, secretHash: string): Promise<LiveKey | undefined> {
  return mapFirst(
    q,
    sql`select k.id, k.role, k.member_id as "memberId", m.role as "memberRole", k.last_used_at as "lastUsedAt"
        from api_keys k left join members m on m.org_id = k.org_id and m.id = k.member_id
        where k.org_id = ${orgId} and k.secret_hash = ${secretHash} and k.revoked_at is null limit 1`,
    (r) => ({
      id: text(r.id),
      role: textOf<Role>(r.role),
      memberId: textOrNull(r.memberId),
      memberRole: textOrNull(r.memberRole) as Role | null,
      lastUsedAt: dateOrNull(r.lastUsedAt),
    }),
  );
}

export async function recordKeyUse(tx: Q, orgId: string, keyId: string, now: Date): Promise<void> {
  await tx.update(apiKeys).set({ lastUsedAt: now }).where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, keyId)));
}

export async function insertApiKey(
  tx: Q,
  orgId: string,
  k: { id: string; name: string; role: Role; memberId: string | null; secretHash: string; createdAt: Date },
): Promise<void> {
  await tx.insert(apiKeys).values({ orgId, ...k });
}

export interface KeyRow {
  id: string;
  name: string;
  role: Role;
  memberId: string | null;
  memberName: string | null;
  /** the bound member's current role; null when the key is unbound */
  memberRole: Role | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Live keys, newest first, after the cursor; a key whose member is gone is dead and left out. */
export async function findLiveKeys(q: Q, orgId: string, after: string | undefined, limit: number): Promise<KeyRow[]> {
  return mapRows(
    q,
    sql`select k.id, k.name, k.role, k.member_id as "memberId", m.name as "memberName", m.role as "memberRole",
               k.created_at as "createdAt", k.last_used_at as "lastUsedAt"
        from api_keys k left join members m on m.org_id = k.org_id and m.id = k.member_id
        where k.org_id = ${orgId} and k.revoked_at is null and (k.member_id is null or m.id is not null)
          ${after === undefined ? sql`` : sql`and k.id < ${after}`}
        order by k.id desc limit ${limit}`,
    (r) => ({
      id: text(r.id),
      name: text(r.name),
      role: textOf<Role>(r.role),
      memberId: textOrNull(r.memberId),
      memberName: textOrNull(r.memberName),
      memberRole: textOrNull(r.memberRole) as Role | null,
      createdAt: date(r.createdAt),
      lastUsedAt: dateOrNull(r.lastUsedAt),
    }),
  );
}

/** Revokes every live key bound to the member. */
export async function revokeKeysOfMember(tx: Q, orgId: string, memberId: string, now: Date): Promise<void> {
  await tx.execute(sql`update api_keys set revoked_at = ${now.toISOString()}::timestamptz where org_id = ${orgId} and member_id = ${memberId} and revoked_at is null`);
}

/** Revokes a live key; the key as it was, or undefined when there is no live key with this id. */
export async function revokeKey(
  tx: Q,
  orgId: string,
  keyId: string,
  now: Date,
): Promise<{ id: string; name: string; role: Role; memberId: string | null } | undefined> {
  return mapFirst(
    tx,
    sql`update api_keys set revoked_at = ${now.toISOString()}::timestamptz
        where org_id = ${orgId} and id = ${keyId} and revoked_at is null
        returning id, name, role, member_id as "memberId"`,
    (r) => ({ id: text(r.id), name: text(r.name), role: textOf<Role>(r.role), memberId: textOrNull(r.memberId) }),
  );
}
