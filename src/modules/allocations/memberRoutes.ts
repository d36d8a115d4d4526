import { z } from 'zod';
import { authorize } from '../../http/auth.js';
import { Cursor, Id, Limit, NonNegativeAmount, OrgParams, page } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { createMember, deleteMember, getMember, listMembers, updateMember } from './members.js';
import { MemberOut, MemberRole } from './schemas.js';

const MemberParams = OrgParams.extend({ member: z.string() });
const Email = z.email().max(320);
const Name = z.string().trim().min(1).max(200);
const GroupIds = z.array(z.string().max(64)).max(100);

export const memberRoutes: RouteModule = (app, { ctx }) => {
  app.post(
    '/v1/orgs/:org/members',
    {
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
    },
    async (request, reply) => {
      authorize(request.actor, request.params.org, 'members.create');
      const b = request.body;
      const member = await createMember({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        input: { id: b.id, email: b.email, name: b.name, role: b.role, groupId: b.group_id, monthly: b.monthly, managedGroupIds: b.managed_group_ids },
      });
      return reply.status(201).send(member);
    },
  );

  app.get(
    '/v1/orgs/:org/members',
    {
      schema: {
        tags: ['members'],
        params: OrgParams,
        querystring: z.object({ group: z.string().max(64).optional(), search: z.string().max(200).optional(), limit: Limit, cursor: Cursor }),
        response: { 200: page(MemberOut) },
      },
    },
    async (request) => {
      authorize(request.actor, request.params.org, 'members.read');
      const q = request.query;
      const r = await listMembers({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        groupId: q.group,
        search: q.search,
        after: q.cursor,
        limit: q.limit,
      });
      return { data: r.data, next_cursor: r.next };
    },
  );

  app.get(
    '/v1/orgs/:org/members/:member',
    { schema: { tags: ['members'], params: MemberParams, response: { 200: MemberOut } } },
    async (request) => {
      authorize(request.actor, request.params.org, 'members.read');
      return getMember({ ctx, actor: request.actor, orgId: request.params.org, memberId: request.params.member });
    },
  );

  app.patch(
    '/v1/orgs/:org/members/:member',
    {
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
    },
    async (request) => {
      authorize(request.actor, request.params.org, 'members.update');
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
  );

  app.delete(
    '/v1/orgs/:org/members/:member',
    { schema: { tags: ['members'], params: MemberParams, response: { 200: z.object({ id: z.string(), deleted: z.boolean() }) } } },
    async (request) => {
      authorize(request.actor, request.params.org, 'members.delete');
      return deleteMember({ ctx, actor: request.actor, orgId: request.params.org, memberId: request.params.member });
    },
  );
};
