import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { TallyError } from '../../errors.js';
import { OrgParams } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { recordAudit } from '../audit/index.js';
import { lockOrg, requireOrg } from '../orgs/index.js';
import { findAliasOwners, findAliases, replaceAliases } from './queries.js';

/** A platform's customer id (Stripe's `cus_…`, its own account id…): no "/" since that separates the member. */
const Alias = z.string().regex(/^[^/\s]{1,200}$/, 'must be 1–200 characters without spaces or "/"');

export const AliasesBody = z.object({ aliases: z.array(Alias).max(100) });
export const AliasesOut = z.object({ aliases: z.array(z.string()) });

export async function listAliases(q: Q, orgId: string): Promise<string[]> {
  return findAliases(q, orgId);
}

/** Which organization each of these aliases names (those that name one). */
export async function resolveAliases(q: Q, aliases: string[]): Promise<Map<string, string>> {
  if (aliases.length === 0) return new Map();
  return new Map(await findAliasOwners(q, aliases));
}

/** Replaces an organization's alias list; an alias another organization holds is refused. */
export async function putAliases(args: { ctx: AppContext; orgId: string; aliases: string[]; actor: string }): Promise<string[]> {
  const { ctx, orgId, actor } = args;
  const aliases = [...new Set(args.aliases)].sort();
  return ctx.db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const before = await listAliases(tx, orgId);
    const taken = [...(await resolveAliases(tx, aliases))].filter(([, owner]) => owner !== orgId);
    if (taken.length > 0) {
      throw new TallyError('conflict', `The customer id "${taken[0]![0]}" already names another organization; remove it there first.`);
    }
    const now = ctx.clock.now();
    await replaceAliases(tx, orgId, aliases, now);
    await recordAudit(tx, { orgId, actor, action: 'org.customer_aliases', target: orgId, before: { aliases: before }, after: { aliases }, at: now });
    return aliases;
  });
}

export const aliasRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/customer-aliases',
    capability: 'org.read',
    schema: {
      tags: ['orgs'],
      description: 'The platform customer ids that name this organization as a CloudEvents subject or a Stripe customer id.',
      params: OrgParams,
      response: { 200: AliasesOut },
    },
    handler: async (request) => {
      const org = request.params.org;
      const aliases = await ctx.db.read(async (q) => {
        await requireOrg(q, org);
        return listAliases(q, org);
      });
      return { aliases };
    },
  });

  defineRoute(app, {
    method: 'PUT',
    path: '/v1/orgs/:org/customer-aliases',
    capability: 'org.write',
    errors: ['conflict'],
    schema: {
      tags: ['orgs'],
      description: 'Replaces the list of platform customer ids that name this organization (at most 100; each names one organization).',
      params: OrgParams,
      body: AliasesBody,
      response: { 200: AliasesOut },
    },
    handler: async (request) => {
      const aliases = await putAliases({ ctx, orgId: request.params.org, aliases: request.body.aliases, actor: request.actor.label });
      return { aliases };
    },
  });
};
