import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { byId, PageQuery } from '../../http/paging.js';
import { Id, NonNegativeAmount, OrgParams, page } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { createMember, deleteMember, getMember, listMembers, updateMember } from './members.js';
import { MemberOut, MemberRole } from './schemas.js';

const MemberParams = OrgParams.extend({ member: z.string() });
const Email = z.email().max(320);
const Name = z.string().trim().min(1).max(200);
const GroupIds = z.array(z.string().max(64)).max(100);

export const memberRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/members',
    capability: 'members.create',
    errors: ['already_exists', 'group_not_found'],
    schema: {
      tags: ['members'],
      params: OrgParams,
      body: z.strictObject({
        id: Id.optional(),
        email: Email,
        name: Name,
        role: MemberRole.default('member'),
        group_id: z.string().max(64).optional(),
        monthly: NonNegativeAmount.nullable().optional(),
        managed_group_ids: GroupIds.optional(),
      }),
      response: { 201: MemberOut },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const member = await createMember({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        input: { id: b.id, email: b.email, name: b.name, role: b.role, groupId: b.group_id, monthly: b.monthly, managedGroupIds: b.managed_group_ids },
      });
      return reply.status(201).send(member);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/members',
    capability: 'members.read',
    paginate: byId,
    schema: {
      tags: ['members'],
      params: OrgParams,
      querystring: PageQuery.extend({ group: z.string().max(64).optional(), search: z.string().max(200).optional() }),
      response: { 200: page(MemberOut) },
    },
    handler: async (request) => {
      const q = request.query;
      const r = await listMembers({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        groupId: q.group,
        search: q.search,
        after: byId.read(q.cursor),
        limit: q.limit,
      });
      return byId.page(r.data, r.next);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/members/:member',
    capability: 'members.read',
    errors: ['member_not_found'],
    schema: { tags: ['members'], params: MemberParams, response: { 200: MemberOut } },
    handler: async (request) => {
      return getMember({ ctx, actor: request.actor, orgId: request.params.org, memberId: request.params.member });
    },
  });

  defineRoute(app, {
    method: 'PATCH',
    path: '/v1/orgs/:org/members/:member',
    capability: 'members.update',
    errors: ['member_not_found'],
    schema: {
      tags: ['members'],
      params: MemberParams,
      body: z.strictObject({
        email: Email.optional(),
        name: Name.optional(),
        role: MemberRole.optional(),
        group_id: z.string().max(64).optional(),
        monthly: NonNegativeAmount.nullable().optional(),
        extra: NonNegativeAmount.optional(),
        managed_group_ids: GroupIds.optional(),
      }),
      response: { 200: MemberOut },
    },
    handler: async (request) => {
      const b = request.body;
      return updateMember({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        memberId: request.params.member,
        patch: {
          email: b.email,
          name: b.name,
          role: b.role,
          groupId: b.group_id,
          monthly: b.monthly,
          extra: b.extra,
          managedGroupIds: b.managed_group_ids,
        },
      });
    },
  });

  defineRoute(app, {
    method: 'DELETE',
    path: '/v1/orgs/:org/members/:member',
    capability: 'members.delete',
    errors: ['member_not_found'],
    schema: { tags: ['members'], params: MemberParams, response: { 200: z.object({ id: z.string(), deleted: z.boolean() }) } },
    handler: async (request) => {
      return deleteMember({ ctx, actor: request.actor, orgId: request.params.org, memberId: request.params.member });
    },
  });
};
