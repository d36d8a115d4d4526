import { z } from 'zod';
import { authorize } from '../../http/auth.js';
import { AmountOut, Cursor, Limit, NonNegativeAmount, OrgParams, page } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { allocationOverview, createGroup, deleteGroup, getGroup, listGroups, updateGroup } from './groups.js';
import { Cadence, CycleOut, GroupOut, SettingsOut } from './schemas.js';
import { getCurrentCycle, getSettings, listCycleHistory, resetCycle, updateSettings } from './settings.js';

const GroupParams = OrgParams.extend({ group: z.string() });
const GroupName = z.string().trim().min(1).max(200);

export const allocationRoutes: RouteModule = (app, { ctx }) => {
  app.get(
    '/v1/orgs/:org/settings',
    { schema: { tags: ['allocations'], params: OrgParams, response: { 200: SettingsOut } } },
    async (request) => {
      authorize(request.actor, request.params.org, 'settings.read');
      return getSettings({ ctx, orgId: request.params.org });
    },
  );

  app.patch(
    '/v1/orgs/:org/settings',
    {
      schema: {
        tags: ['allocations'],
        params: OrgParams,
        body: z.strictObject({
          credits_per_cycle: NonNegativeAmount.nullable().optional(),
          cycle_cadence: Cadence.optional(),
          credit_factor: NonNegativeAmount.optional(),
          credits_per_new_user: NonNegativeAmount.optional(),
          capture_excess_pct: z.number().int().min(0).max(1000).optional(),
        }),
        response: { 200: SettingsOut },
      },
    },
    async (request) => {
      authorize(request.actor, request.params.org, 'settings.write');
      const b = request.body;
      return updateSettings({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        input: {
          creditsPerCycle: b.credits_per_cycle,
          cycleCadence: b.cycle_cadence,
          creditFactor: b.credit_factor,
          creditsPerNewUser: b.credits_per_new_user,
          captureExcessPct: b.capture_excess_pct,
        },
      });
    },
  );

  app.get(
    '/v1/orgs/:org/cycle',
    { schema: { tags: ['cycles'], params: OrgParams, response: { 200: CycleOut } } },
    async (request) => {
      authorize(request.actor, request.params.org, 'cycles.read');
      return getCurrentCycle({ ctx, orgId: request.params.org });
    },
  );

  app.post(
    '/v1/orgs/:org/cycle/reset',
    { schema: { tags: ['cycles'], params: OrgParams, response: { 200: CycleOut } } },
    async (request) => {
      authorize(request.actor, request.params.org, 'cycles.write');
      return resetCycle({ ctx, actor: request.actor, orgId: request.params.org });
    },
  );

  app.get(
    '/v1/orgs/:org/cycles',
    {
      schema: {
        tags: ['cycles'],
        params: OrgParams,
        querystring: z.object({ limit: Limit, cursor: Cursor }),
        response: { 200: page(CycleOut) },
      },
    },
    async (request) => {
      authorize(request.actor, request.params.org, 'cycles.read');
      const r = await listCycleHistory({ ctx, orgId: request.params.org, before: request.query.cursor, limit: request.query.limit });
      return { data: r.data, next_cursor: r.next };
    },
  );

  app.post(
    '/v1/orgs/:org/groups',
    {
      schema: {
        tags: ['allocations'],
        params: OrgParams,
        body: z.strictObject({
          name: GroupName,
          monthly_allocation: NonNegativeAmount.optional(),
          extra: NonNegativeAmount.optional(),
          auto_approve_reserve: NonNegativeAmount.optional(),
        }),
        response: { 201: GroupOut },
      },
    },
    async (request, reply) => {
      authorize(request.actor, request.params.org, 'groups.write');
      const b = request.body;
      const group = await createGroup({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        input: { name: b.name, monthlyAllocation: b.monthly_allocation, extra: b.extra, autoApproveReserve: b.auto_approve_reserve },
      });
      return reply.status(201).send(group);
    },
  );

  app.get(
    '/v1/orgs/:org/groups',
    { schema: { tags: ['allocations'], params: OrgParams, response: { 200: z.object({ data: z.array(GroupOut) }) } } },
    async (request) => {
      authorize(request.actor, request.params.org, 'groups.read');
      return { data: await listGroups({ ctx, actor: request.actor, orgId: request.params.org }) };
    },
  );

  app.get(
    '/v1/orgs/:org/groups/:group',
    { schema: { tags: ['allocations'], params: GroupParams, response: { 200: GroupOut } } },
    async (request) => {
      authorize(request.actor, request.params.org, 'groups.read');
      return getGroup({ ctx, actor: request.actor, orgId: request.params.org, groupId: request.params.group });
    },
  );

  app.patch(
    '/v1/orgs/:org/groups/:group',
    {
      schema: {
        tags: ['allocations'],
        params: GroupParams,
        body: z.strictObject({
          name: GroupName.optional(),
          monthly_allocation: NonNegativeAmount.optional(),
          extra: NonNegativeAmount.optional(),
          auto_approve_reserve: NonNegativeAmount.optional(),
        }),
        response: { 200: GroupOut },
      },
    },
    async (request) => {
      authorize(request.actor, request.params.org, 'groups.write');
      const b = request.body;
      return updateGroup({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        groupId: request.params.group,
        input: { name: b.name, monthlyAllocation: b.monthly_allocation, extra: b.extra, autoApproveReserve: b.auto_approve_reserve },
      });
    },
  );

  app.delete(
    '/v1/orgs/:org/groups/:group',
    {
      schema: {
        tags: ['allocations'],
        params: GroupParams,
        response: { 200: z.object({ id: z.string(), deleted: z.boolean(), moved_members: z.number() }) },
      },
    },
    async (request) => {
      authorize(request.actor, request.params.org, 'groups.write');
      return deleteGroup({ ctx, actor: request.actor, orgId: request.params.org, groupId: request.params.group });
    },
  );

  app.get(
    '/v1/orgs/:org/allocations',
    {
      schema: {
        tags: ['allocations'],
        params: OrgParams,
        response: { 200: z.object({ cycle: CycleOut, balance: AmountOut, seats: z.number(), groups: z.array(GroupOut) }) },
      },
    },
    async (request) => {
      authorize(request.actor, request.params.org, 'allocations.read');
      return allocationOverview({ ctx, actor: request.actor, orgId: request.params.org });
    },
  );
};
