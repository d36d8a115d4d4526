import type { AppContext } from '../../context.js';
import { apiKeys } from '../../db/schema/index.js';
import { newId } from '../../domain/ids.js';
import { hashSecret, newOrgKeySecret, type Role } from '../../http/auth.js';
import { lockOrg } from '../orgs/queries.js';
import { assertMemberExists } from '../allocations/members.js';
import { recordAudit } from '../audit/service.js';
import { TallyError } from '../../http/errors.js';

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
