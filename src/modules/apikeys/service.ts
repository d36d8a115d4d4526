import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { newId } from '../../ids.js';
import { accessChanged, hashSecret, lesserRole, type Role } from '../../actor.js';
import { newOrgKeySecret } from './secrets.js';
import { findLiveKey, findLiveKeys, insertApiKey, recordKeyUse, revokeKey, revokeKeysOfMember, type LiveKey } from './queries.js';
import { lockOrg } from '../orgs/index.js';
import { memberExists } from '../members/index.js';
import { recordAudit } from '../audit/index.js';
import { apiKeyNotFound, memberNotFound, TallyError } from '../../errors.js';

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
    if (memberId !== null && !(await memberExists(tx, orgId, memberId))) throw memberNotFound(memberId);
    await insertApiKey(tx, orgId, { id, name, role, memberId, secretHash: hashSecret(secret), createdAt: now });
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

/** The organization's live keys (never their secrets), newest first; a key whose member is gone is dead and not listed. */
export async function listApiKeys(args: { ctx: AppContext; orgId: string; after: string | undefined; limit: number }) {
  const { ctx, orgId, after, limit } = args;
  const found = await ctx.db.read((q) => findLiveKeys(q, orgId, after, limit + 1));
  const data: ApiKeyView[] = found.slice(0, limit).map((k) => ({
    id: k.id,
    name: k.name,
    role: k.memberRole === null ? k.role : lesserRole(k.role, k.memberRole),
    member: k.memberId,
    member_name: k.memberName,
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
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
      const key = await revokeKey(tx, orgId, keyId, now);
      if (!key) throw apiKeyNotFound(keyId);
      const before = { id: key.id, name: key.name, role: key.role, member: key.memberId };
      await recordAudit(tx, { orgId, actor: args.actor, action: 'api_key.revoke', target: keyId, before, at: now });
      return { id: keyId, revoked: true as const, revoked_at: now.toISOString() };
    });
  } finally {
    accessChanged();
  }
}

/** A removed member's keys stop at once: called by the member's deletion, in its transaction. */
export async function revokeMemberKeys(tx: Q, orgId: string, memberId: string, now: Date): Promise<void> {
  await revokeKeysOfMember(tx, orgId, memberId, now);
}

/** The live key with this secret hash and, for a key bound to a member, that member's role: what authentication reads. */
export function findKeyBySecret({ ctx, orgId, secretHash }: { ctx: AppContext; orgId: string; secretHash: string }): Promise<LiveKey | undefined> {
  return ctx.db.read((q) => findLiveKey(q, orgId, secretHash));
}

/** Notes when a key was last used, in a transaction of its own. */
export function recordKeyUsed({ ctx, orgId, keyId, at }: { ctx: AppContext; orgId: string; keyId: string; at: Date }): Promise<void> {
  return ctx.db.transaction((tx) => recordKeyUse(tx, orgId, keyId, at));
}
