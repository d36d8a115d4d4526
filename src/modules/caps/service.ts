import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import type { CapWindow } from '../../domain/capWindows.js';
import { newId } from '../../ids.js';
import { formatMicro } from '../../domain/money.js';
import type { Actor } from '../../actor.js';
import { groupNotFound, memberNotFound, notFound, TallyError } from '../../errors.js';
import { recordAudit } from '../audit/index.js';
import { effectiveMeters } from '../meters/index.js';
import { lockOrg, type OrgRow, requireOrg } from '../orgs/index.js';
import { assertManages, capAccess } from './access.js';
import {
  apiKeyExists,
  deleteCapCounters,
  deleteCapRow,
  findCaps,
  groupExists,
  insertCap,
  SCOPE_KINDS,
  updateCapRow,
  type CapMode,
  type CapRow,
  type ScopeKind,
} from './queries.js';
import { memberExists } from '../members/index.js';
import { capUsage, type CapUsage } from './usage.js';

/** Without a list, a notify cap alerts at 80, 90 and 100 %; a block cap alerts when it is reached. */
const DEFAULT_NOTIFY: Record<CapMode, number[]> = { notify: [80, 90, 100], block: [] };

export interface CapScope {
  kind: ScopeKind;
  id: string;
}

/** "org", "group:grp_1", "project:search" … as the API writes a scope. */
export function parseScope(text: string): CapScope {
  if (text === 'org') return { kind: 'org', id: '' };
  const at = text.indexOf(':');
  const kind = text.slice(0, at) as ScopeKind;
  const id = text.slice(at + 1);
  if (at <= 0 || kind === 'org' || !SCOPE_KINDS.includes(kind) || id.length === 0) {
    throw new TallyError(
      'invalid_request',
      `"${text}" is not a cap scope: use org, group:<id>, member:<id>, project:<name>, api_key:<id> or meter:<key>.`,
    );
  }
  return { kind, id };
}

export const formatScope = (c: Pick<CapRow, 'scopeKind' | 'scopeId'>): string =>
  c.scopeKind === 'org' ? 'org' : `${c.scopeKind}:${c.scopeId}`;

async function assertScopeExists(q: Q, orgId: string, scope: CapScope): Promise<void> {
  switch (scope.kind) {
    case 'org':
    case 'project':
      return;
    case 'group':
      if (!(await groupExists(q, orgId, scope.id))) throw groupNotFound(scope.id);
      return;
    case 'member':
      if (!(await memberExists(q, orgId, scope.id))) throw memberNotFound(scope.id);
      return;
    case 'api_key':
      if (!(await apiKeyExists(q, orgId, scope.id))) throw notFound('API key', scope.id);
      return;
    case 'meter':
      if (!(await effectiveMeters(q, orgId)).has(scope.id)) {
        throw new TallyError('unknown_meter', `No meter "${scope.id}" exists; a meter cap needs a known meter key.`);
      }
  }
}

export function capView(u: CapUsage) {
  const c = u.cap;
  return {
    id: c.id,
    scope: formatScope(c),
    window: c.window,
    limit: formatMicro(c.limit),
    mode: c.mode,
    notify_at_percent: c.notifyAtPercent,
    used: formatMicro(u.used),
    held: formatMicro(u.held),
    remaining: formatMicro(u.remaining),
    window_start: u.window.startsAt.toISOString(),
    window_end: u.window.endsAt.toISOString(),
    exceeded: u.exceeded,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

export type CapView = ReturnType<typeof capView>;

/** The settings of a cap as the audit log shows them. */
const auditOf = (c: CapRow) => ({
  scope: formatScope(c),
  window: c.window,
  limit: formatMicro(c.limit),
  mode: c.mode,
  notify_at_percent: c.notifyAtPercent,
});

async function orgOf(q: Q, orgId: string): Promise<OrgRow> {
  const org = await requireOrg(q, orgId);
  return org;
}

async function viewOne(q: Q, org: OrgRow, cap: CapRow, now: Date, seed = false): Promise<CapView> {
  const [usage] = await capUsage(q, org, [cap], now, { seed });
  return capView(usage!);
}

export interface CapInput {
  scope: string;
  window: CapWindow;
  limit: bigint;
  mode: CapMode;
  notifyAtPercent?: number[] | undefined;
}

const percents = (list: number[]) => [...new Set(list)].sort((a, b) => a - b);

export async function createCap(args: { ctx: AppContext; actor: Actor; orgId: string; input: CapInput }): Promise<CapView> {
  const { ctx, actor, orgId, input } = args;
  return ctx.db.transaction(async (tx) => {
    // the organization lock orders this with ingest: the counter seeded below misses no usage
    const org = await lockOrg(tx, orgId);
    const scope = parseScope(input.scope);
    const access = await capAccess(tx, actor, orgId);
    assertManages(access, { scopeKind: scope.kind, scopeId: scope.id });
    await assertScopeExists(tx, orgId, scope);
    const now = ctx.clock.now();
    const cap: CapRow = {
      id: newId('cap', now.getTime()),
      scopeKind: scope.kind,
      scopeId: scope.id,
      window: input.window,
      limit: input.limit,
      mode: input.mode,
      notifyAtPercent: percents(input.notifyAtPercent ?? DEFAULT_NOTIFY[input.mode]),
      windowStart: null,
      notifiedPct: 0,
      createdAt: now,
      updatedAt: now,
    };
    await insertCap(tx, orgId, cap);
    await recordAudit(tx, { orgId, actor: actor.label, action: 'cap.create', target: cap.id, after: auditOf(cap), at: now });
    return viewOne(tx, org, cap, now, true);
  });
}

async function findVisibleCap(q: Q, actor: Actor, orgId: string, capId: string, forUpdate = false) {
  const [cap] = await findCaps(q, orgId, { ids: [capId], forUpdate });
  const access = await capAccess(q, actor, orgId);
  // A cap the actor may not see does not exist for them, as with other organizations' objects.
  if (!cap || !access.sees(cap)) throw notFound('cap', capId);
  return { cap, access };
}

/** The caps the actor may see; with `bindingMe`, only those that limit the actor's own usage. */
export async function listCaps(args: { ctx: AppContext; actor: Actor; orgId: string; bindingMe?: boolean }): Promise<CapView[]> {
  const { ctx, actor, orgId } = args;
  return ctx.db.read(async (q) => {
    const org = await orgOf(q, orgId);
    const access = await capAccess(q, actor, orgId);
    const visible = (await findCaps(q, orgId)).filter((c) => (args.bindingMe ? access.binds(c) : access.sees(c)));
    return (await capUsage(q, org, visible, ctx.clock.now())).map(capView);
  });
}

export async function getCap(args: { ctx: AppContext; actor: Actor; orgId: string; capId: string }): Promise<CapView> {
  const { ctx, actor, orgId } = args;
  return ctx.db.read(async (q) => {
    const org = await orgOf(q, orgId);
    const { cap } = await findVisibleCap(q, actor, orgId, args.capId);
    return viewOne(q, org, cap, ctx.clock.now());
  });
}

export interface CapPatch {
  window?: CapWindow | undefined;
  limit?: bigint | undefined;
  mode?: CapMode | undefined;
  notifyAtPercent?: number[] | undefined;
}

/**
 * Changes a cap's window, limit, mode or alert percents; its scope is what it
 * is (delete and create to move a cap). A new window or limit re-arms the
 * alerts from the current use, so crossings are judged against the new figure.
 */
export async function updateCap(args: { ctx: AppContext; actor: Actor; orgId: string; capId: string; patch: CapPatch }): Promise<CapView> {
  const { ctx, actor, orgId, patch } = args;
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const { cap, access } = await findVisibleCap(tx, actor, orgId, args.capId, true);
    assertManages(access, cap);
    const now = ctx.clock.now();
    const mode = patch.mode ?? cap.mode;
    const next: CapRow = {
      ...cap,
      window: patch.window ?? cap.window,
      limit: patch.limit ?? cap.limit,
      mode,
      notifyAtPercent: percents(patch.notifyAtPercent ?? (patch.mode && patch.mode !== cap.mode ? DEFAULT_NOTIFY[mode] : cap.notifyAtPercent)),
      updatedAt: now,
    };
    if (next.window !== cap.window) next.windowStart = null;
    await updateCapRow(tx, orgId, next);
    await recordAudit(tx, { orgId, actor: actor.label, action: 'cap.update', target: cap.id, before: auditOf(cap), after: auditOf(next), at: now });
    return viewOne(tx, org, next, now, true);
  });
}

export async function deleteCap(args: { ctx: AppContext; actor: Actor; orgId: string; capId: string }): Promise<{ id: string; deleted: true }> {
  const { ctx, actor, orgId } = args;
  return ctx.db.transaction(async (tx) => {
    await orgOf(tx, orgId);
    const { cap, access } = await findVisibleCap(tx, actor, orgId, args.capId, true);
    assertManages(access, cap);
    const now = ctx.clock.now();
    await deleteCapRow(tx, orgId, cap.id);
    await deleteCapCounters(tx, orgId, cap.id);
    await recordAudit(tx, { orgId, actor: actor.label, action: 'cap.delete', target: cap.id, before: auditOf(cap), at: now });
    return { id: cap.id, deleted: true as const };
  });
}
