import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows } from '../../db/client.js';
import { apiKeys } from '../../db/schema/index.js';
import { newId } from '../../ids.js';
import { accessChanged, hashSecret, lesserRole, type Role } from '../../actor.js';
import { newOrgKeySecret } from './secrets.js';
import { lockOrg } from '../orgs/index.js';
import { assertMemberExists } from '../allocations/index.js';
import { recordAudit } from '../audit/index.js';
import { apiKeyNotFound, TallyError } from '../../errors.js';

/** Makes an organization API key. The secret is returned once and stored only as a hash (never audited). */
export async function createApiKey(args: {
  ctx: AppContext;
  orgId: string;
  actor: string;
  name: string;
  role: Role;
  memberId: string | null;
}) {
  const { ctx, orgId, name, role, memberId } = args;
  const now = ctx.clock.now();
  const id = newId('key', now.getTime());
  const secret = newOrgKeySecret(orgId);
  if ((role === 'manager' || role === 'member') && memberId === null) {
    throw new TallyError('invalid_request', `A ${role} key acts as a member: name it in "member".`);
  }
  await ctx.db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    if (memberId !== null) await assertMemberExists(tx, orgId, memberId);
    await tx.insert(apiKeys).values({ orgId, id, name, role, memberId, secretHash: hashSecret(secret), createdAt: now });
    await recordAudit(tx, { orgId, actor: args.actor, action: 'api_key.create', target: id, after: { id, name, role, member: memberId }, at: now });
  });
  return { id, name, role, member: memberId, secret, created_at: now.toISOString() };
}

export interface ApiKeyView {
  id: string;
  name: string;
  /** the role the key acts with now: for a key bound to a member, never more than the member's current role */
  role: Role;
  member: string | null;
  member_name: string | null;
  created_at: string;
  last_used_at: string | null;
}

interface KeyRow {
  id: string;
  name: string;
  role: Role;
  memberId: string | null;
  memberName: string | null;
  memberRole: Role | null;
  createdAt: Date | string;
  lastUsedAt: Date | string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** The organization's live keys (never their secrets), newest first; a key whose member is gone is dead and not listed. */
export async function listApiKeys(args: { ctx: AppContext; orgId: string; after: string | undefined; limit: number }) {
  const { ctx, orgId, after, limit } = args;
  const found = await ctx.db.read((q) =>
    rows<KeyRow>(
      q,
      sql`select k.id, k.name, k.role, k.member_id as "memberId", m.name as "memberName", m.role as "memberRole",
                 k.created_at as "createdAt", k.last_used_at as "lastUsedAt"
          from api_keys k left join members m on m.org_id = k.org_id and m.id = k.member_id
          where k.org_id = ${orgId} and k.revoked_at is null and (k.member_id is null or m.id is not null)
            ${after === undefined ? sql`` : sql`and k.id < ${after}`}
          order by k.id desc limit ${limit + 1}`,
    ),
  );
  const data: ApiKeyView[] = found.slice(0, limit).map((k) => ({
    id: k.id,
    name: k.name,
    role: k.memberRole === null ? k.role : lesserRole(k.role, k.memberRole),
    member: k.memberId,
    member_name: k.memberName,
    created_at: iso(k.createdAt)!,
    last_used_at: iso(k.lastUsedAt),
  }));
  return { data, next_cursor: found.length > limit ? data[data.length - 1]!.id : null };
}

/** Revokes a key at once (audited); revoking a revoked or unknown key is a 404. */
export async function revokeApiKey(args: { ctx: AppContext; orgId: string; actor: string; keyId: string }) {
  const { ctx, orgId, keyId } = args;
  const now = ctx.clock.now();
  try {
    return await ctx.db.transaction(async (tx) => {
      await lockOrg(tx, orgId);
      const [key] = await rows<{ id: string; name: string; role: Role; memberId: string | null }>(
        tx,
        sql`update api_keys set revoked_at = ${now.toISOString()}::timestamptz
            where org_id = ${orgId} and id = ${keyId} and revoked_at is null
            returning id, name, role, member_id as "memberId"`,
      );
      if (!key) throw apiKeyNotFound(keyId);
      const before = { id: key.id, name: key.name, role: key.role, member: key.memberId };
      await recordAudit(tx, { orgId, actor: args.actor, action: 'api_key.revoke', target: keyId, before, at: now });
      return { id: keyId, revoked: true as const, revoked_at: now.toISOString() };
    });
  } finally {
    accessChanged();
  }
}
