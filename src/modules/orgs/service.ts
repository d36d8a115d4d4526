import type { AppContext } from '../../context.js';
import { newId } from '../../ids.js';
import { TallyError } from '../../errors.js';
import { ensureCycle } from '../allocations/index.js';
import { recordAudit } from '../audit/index.js';
import { insertOrg, listOrgs, lockOrg, type OrgRow, requireOrg, updateOrgRow } from './queries.js';

export interface CreateOrgInput {
  id?: string | undefined;
  name: string;
  timezone: string;
  creditFactor: bigint;
  graceDays?: number | undefined;
  overage?: 'allow' | 'deny' | undefined;
}

export async function createOrg({ ctx, input }: { ctx: AppContext; input: CreateOrgInput }): Promise<OrgRow> {
  const now = ctx.clock.now();
  const id = input.id ?? newId('org', now.getTime());
  return ctx.db.transaction(async (tx) => {
    const inserted = await insertOrg(tx, {
      id,
      name: input.name,
      timezone: input.timezone,
      creditFactor: input.creditFactor,
      graceDays: input.graceDays ?? 35,
      overage: input.overage ?? 'deny',
      createdAt: now,
      updatedAt: now,
    });
    if (!inserted) throw new TallyError('already_exists', `An organization with id "${id}" already exists.`);
    const org = await lockOrg(tx, id);
    await ensureCycle(tx, org, now); // settings, the Default group and the first credit cycle
    return org;
  });
}

export async function getOrg({ ctx, orgId }: { ctx: AppContext; orgId: string }): Promise<OrgRow> {
  return ctx.db.read((q) => requireOrg(q, orgId));
}

export function listOrganizations({ ctx, after, limit }: { ctx: AppContext; after: string | undefined; limit: number }) {
  return ctx.db.read((q) => listOrgs(q, after, limit));
}

export interface UpdateOrgInput {
  name?: string | undefined;
  timezone?: string | undefined;
  creditFactor?: bigint | undefined;
  graceDays?: number | undefined;
  overage?: 'allow' | 'deny' | undefined;
  embedOrigins?: string[] | undefined;
}

export async function updateOrg({ ctx, orgId, input, actor }: { ctx: AppContext; orgId: string; input: UpdateOrgInput; actor?: string }) {
  return ctx.db.transaction(async (tx) => {
    const before = await lockOrg(tx, orgId);
    await updateOrgRow(tx, orgId, input, ctx.clock.now());
    const after = await lockOrg(tx, orgId);
    await recordAudit(tx, { orgId, actor: actor ?? 'platform', action: 'org.update', target: orgId, before, after, at: ctx.clock.now() });
    return after;
  });
}
