import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { CAP_WINDOWS } from '../../domain/capWindows.js';
import { AmountOut, NonNegativeAmount, OrgParams } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { createCap, deleteCap, getCap, listCaps, updateCap } from './service.js';

const Window = z.enum(CAP_WINDOWS);
const Mode = z.enum(['notify', 'block']);
const Percents = z.array(z.number().int().min(1).max(100)).max(10);
const CapParams = OrgParams.extend({ cap: z.string() });

export const CapOut = z.object({
  id: z.string(),
  scope: z.string().meta({ description: 'org, group:<id>, member:<id>, project:<name>, api_key:<id> or meter:<key>' }),
  window: Window,
  limit: AmountOut,
  mode: Mode,
  notify_at_percent: z.array(z.number()),
  used: AmountOut.meta({ description: 'credits of usage recorded in the current window' }),
  held: AmountOut.meta({ description: 'credits of open holds this cap sees' }),
  remaining: AmountOut.meta({ description: 'limit − used − held, never below zero' }),
  window_start: z.string(),
  window_end: z.string(),
  exceeded: z.boolean().meta({ description: 'recorded usage has reached the limit' }),
  created_at: z.string(),
  updated_at: z.string(),
});

export const capRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/caps',
    capability: 'caps.write',
    schema: {
      tags: ['caps'],
      params: OrgParams,
      body: z.strictObject({
        scope: z.string().min(1).max(300),
        window: Window,
        limit: NonNegativeAmount,
        mode: Mode,
        notify_at_percent: Percents.optional(),
      }),
      response: { 201: CapOut },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const cap = await createCap({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        input: { scope: b.scope, window: b.window, limit: b.limit, mode: b.mode, notifyAtPercent: b.notify_at_percent },
      });
      return reply.status(201).send(cap);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/caps',
    capability: 'caps.read',
    schema: {
      tags: ['caps'],
      params: OrgParams,
      querystring: z.object({
        binding: z.literal('me').optional().meta({ description: 'only the caps that limit the caller\'s own usage' }),
      }),
      response: { 200: z.object({ data: z.array(CapOut) }) },
    },
    handler: async (request) => {
      const bindingMe = request.query.binding === 'me';
      return { data: await listCaps({ ctx, actor: request.actor, orgId: request.params.org, bindingMe }) };
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/caps/:cap',
    capability: 'caps.read',
    schema: { tags: ['caps'], params: CapParams, response: { 200: CapOut } },
    handler: async (request) => {
      return getCap({ ctx, actor: request.actor, orgId: request.params.org, capId: request.params.cap });
    },
  });

  defineRoute(app, {
    method: 'PATCH',
    path: '/v1/orgs/:org/caps/:cap',
    capability: 'caps.write',
    schema: {
      tags: ['caps'],
      params: CapParams,
      body: z.strictObject({
        window: Window.optional(),
        limit: NonNegativeAmount.optional(),
        mode: Mode.optional(),
        notify_at_percent: Percents.optional(),
      }),
      response: { 200: CapOut },
    },
    handler: async (request) => {
      const b = request.body;
      return updateCap({
        ctx,
        actor: request.actor,
        orgId: request.params.org,
        capId: request.params.cap,
        patch: { window: b.window, limit: b.limit, mode: b.mode, notifyAtPercent: b.notify_at_percent },
      });
    },
  });

  defineRoute(app, {
    method: 'DELETE',
    path: '/v1/orgs/:org/caps/:cap',
    capability: 'caps.write',
    schema: { tags: ['caps'], params: CapParams, response: { 200: z.object({ id: z.string(), deleted: z.literal(true) }) } },
    handler: async (request) => {
      return deleteCap({ ctx, actor: request.actor, orgId: request.params.org, capId: request.params.cap });
    },
  });
};
