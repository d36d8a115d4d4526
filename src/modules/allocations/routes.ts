import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { byId, PageQuery } from '../../http/paging.js';
import { AmountOut, NonNegativeAmount, OrgParams, page } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { allocationOverview, createGroup, deleteGroup, getGroup, listGroups, updateGroup } from './groups.js';
import { Cadence, CycleOut, GroupOut, SettingsOut } from './schemas.js';
import { getCurrentCycle, getSettings, listCycleHistory, resetCycle, updateSettings } from './settings.js';

const GroupParams = OrgParams.extend({ group: z.string() });
const GroupName = z.string().trim().min(1).max(200);

export const allocationRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/settings',
    capability: 'settings.read',
    schema: { tags: ['allocations'], params: OrgParams, response: { 200: SettingsOut } },
    handler: async (request) => {
      return getSettings({ ctx, orgId: request.params.org });
    },
  });

  defineRoute(app, {
    method: 'PATCH',
    path: '/v1/orgs/:org/settings',
    capability: 'settings.write',
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
    handler: async (request) => {
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
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/cycle',
    capability: 'cycles.read',
    schema: { tags: ['cycles'], params: OrgParams, response: { 200: CycleOut } },
    handler: async (request) => {
      return getCurrentCycle({ ctx, orgId: request.params.org });
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/cycle/reset',
    capability: 'cycles.write',
    schema: { tags: ['cycles'], params: OrgParams, response: { 200: CycleOut } },
    handler: async (request) => {
      return resetCycle({ ctx, actor: request.actor, orgId: request.params.org });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/cycles',
    capability: 'cycles.read',
    paginate: byId,
    schema: {
      tags: ['cycles'],
      params: OrgParams,
      querystring: PageQuery,
      response: { 200: page(CycleOut) },
    },
    handler: async (request) => {
      const r = await listCycleHistory({ ctx, orgId: request.params.org, before: byId.read(request.query.cursor), limit: request.query.limit });
      return byId.page(r.data, r.next);
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/groups',
    capability: 'groups.write',
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
    handler: async (request, reply) => {
      const b = request.body;
      const group = await createGroup({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        input: { name: b.name, monthlyAllocation: b.monthly_allocation, extra: b.extra, autoApproveReserve: b.auto_approve_reserve },
      });
      return reply.status(201).send(group);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/groups',
    capability: 'groups.read',
    schema: { tags: ['allocations'], params: OrgParams, response: { 200: z.object({ data: z.array(GroupOut) }) } },
    handler: async (request) => {
      return { data: await listGroups({ ctx, actor: request.actor, orgId: request.params.org }) };
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/groups/:group',
    capability: 'groups.read',
    errors: ['group_not_found'],
    schema: { tags: ['allocations'], params: GroupParams, response: { 200: GroupOut } },
    handler: async (request) => {
      return getGroup({ ctx, actor: request.actor, orgId: request.params.org, groupId: request.params.group });
    },
  });

  defineRoute(app, {
    method: 'PATCH',
    path: '/v1/orgs/:org/groups/:group',
    capability: 'groups.write',
    errors: ['group_not_found', 'allocation_exceeds_budget'],
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
    handler: async (request) => {
      const b = request.body;
      return updateGroup({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        groupId: request.params.group,
        input: { name: b.name, monthlyAllocation: b.monthly_allocation, extra: b.extra, autoApproveReserve: b.auto_approve_reserve },
      });
    },
  });

  defineRoute(app, {
    method: 'DELETE',
    path: '/v1/orgs/:org/groups/:group',
    capability: 'groups.write',
    errors: ['group_not_found', 'default_group_protected'],
    schema: {
      tags: ['allocations'],
      params: GroupParams,
      response: { 200: z.object({ id: z.string(), deleted: z.boolean(), moved_members: z.number() }) },
    },
    handler: async (request) => {
      return deleteGroup({ ctx, actor: request.actor, orgId: request.params.org, groupId: request.params.group });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/allocations',
    capability: 'allocations.read',
    schema: {
      tags: ['allocations'],
      params: OrgParams,
      response: { 200: z.object({ cycle: CycleOut, balance: AmountOut, seats: z.number(), groups: z.array(GroupOut) }) },
    },
    handler: async (request) => {
      return allocationOverview({ ctx, actor: request.actor, orgId: request.params.org });
    },
  });
};
