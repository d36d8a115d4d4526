import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { byId, PageQuery } from '../../http/paging.js';
import { formatMicro } from '../../domain/money.js';
import { Id, NonNegativeAmount, OrgParams, page, TimeZone } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import type { OrgRow } from './queries.js';
import { createOrg, getOrg, listOrganizations, updateOrg } from './service.js';

const Overage = z.enum(['allow', 'deny']).meta({ description: 'whether admission may let usage run into overage' });

export const OrgOut = z.object({
  id: z.string(),
  name: z.string(),
  timezone: z.string(),
  credit_factor: z.string(),
  grace_days: z.number(),
  overage: Overage,
  embed_origins: z.array(z.string()).meta({ description: 'origins allowed to frame the embedded dashboard and widgets' }),
  created_at: z.string(),
  updated_at: z.string(),
});

export function orgView(o: OrgRow): z.infer<typeof OrgOut> {
  return {
    id: o.id,
    name: o.name,
    timezone: o.timezone,
    credit_factor: formatMicro(o.creditFactor),
    grace_days: o.graceDays,
    overage: o.overage,
    embed_origins: o.embedOrigins,
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
  };
}

/**
 * One origin a host page is served from: scheme, host and port only, the form
 * a browser compares in CSP frame-ancestors and in postMessage. Stored as the
 * URL's normalized origin, so "HTTPS://App.Example.com:443" is "https://app.example.com".
 */
export const EmbedOrigin = z
  .string()
  .max(300)
  .transform((value, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    const bare = url && url.username === '' && url.password === '' && url.search === '' && url.hash === '' && url.pathname === '/' && !url.hostname.includes('*');
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !bare) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin: write it as https://host or https://host:port, without a path, query or wildcard` });
      return z.NEVER;
    }
    return url.origin;
  });

const EmbedOrigins = z
  .array(EmbedOrigin)
  .max(20, 'at most 20 origins may embed an organization')
  .transform((list) => [...new Set(list)])
  .meta({ description: 'origins allowed to frame the embedded dashboard, e.g. ["https://app.example.com"]; [] allows none' });

const GraceDays = z.number().int().min(0).max(366);

export const orgRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs',
    capability: 'platform',
    errors: ['already_exists'],
    schema: {
      tags: ['organizations'],
      body: z.object({
        id: Id.optional(),
        name: z.string().min(1).max(200),
        timezone: TimeZone,
        credit_factor: NonNegativeAmount,
        grace_days: GraceDays.optional(),
        overage: Overage.optional(),
      }),
      response: { 201: OrgOut },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const org = await createOrg({
        ctx,
        input: { id: b.id, name: b.name, timezone: b.timezone, creditFactor: b.credit_factor, graceDays: b.grace_days, overage: b.overage },
      });
      return reply.status(201).send(orgView(org));
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs',
    capability: 'self',
    paginate: byId,
    schema: { tags: ['organizations'], querystring: PageQuery, response: { 200: page(OrgOut) } },
    handler: async (request) => {
      const actor = request.actor;
      if (actor.kind === 'key') {
        const org = await getOrg({ ctx, orgId: actor.orgId });
        return { data: [orgView(org)], next_cursor: null };
      }
      const found = await listOrganizations({ ctx, after: byId.read(request.query.cursor), limit: request.query.limit + 1 });
      const data = found.slice(0, request.query.limit).map(orgView);
      return byId.page(data, found.length > request.query.limit ? data[data.length - 1]!.id : null);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org',
    capability: 'org.read',
    schema: { tags: ['organizations'], params: OrgParams, response: { 200: OrgOut } },
    handler: async (request) => {
      return orgView(await getOrg({ ctx, orgId: request.params.org }));
    },
  });

  defineRoute(app, {
    method: 'PATCH',
    path: '/v1/orgs/:org',
    capability: 'org.write',
    schema: {
      tags: ['organizations'],
      params: OrgParams,
      body: z.object({
        name: z.string().min(1).max(200).optional(),
        timezone: TimeZone.optional(),
        credit_factor: NonNegativeAmount.optional(),
        grace_days: GraceDays.optional(),
        overage: Overage.optional(),
        embed_origins: EmbedOrigins.optional(),
      }),
      response: { 200: OrgOut },
    },
    handler: async (request) => {
      const b = request.body;
      const org = await updateOrg({
        ctx,
        actor: request.actor.label,
        orgId: request.params.org,
        input: { name: b.name, timezone: b.timezone, creditFactor: b.credit_factor, graceDays: b.grace_days, overage: b.overage, embedOrigins: b.embed_origins },
      });
      return orgView(org);
    },
  });
};
