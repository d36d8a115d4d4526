import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { newId } from '../../ids.js';
import { notFound, TallyError } from '../../errors.js';
import { recordAudit } from '../audit/index.js';
import { lockOrg } from '../orgs/index.js';
import { deleteEndpointRow, findDeliveries, findEndpointRow, findEndpointRows, insertEndpoint, updateEndpointRow, type EndpointRow } from './queries.js';

export function endpointView(e: EndpointRow) {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    enabled: e.enabled,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

/** Only http(s) URLs; the scheme check is what matters, fetch would refuse others later and silently. */
export function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TallyError('invalid_request', `"${url}" is not a URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TallyError('invalid_request', `A webhook URL must start with http:// or https://, not ${parsed.protocol}//.`);
  }
  return parsed.toString();
}

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

async function findEndpoint(q: Q, orgId: string, id: string): Promise<EndpointRow> {
  const row = await findEndpointRow(q, orgId, id);
  if (!row) throw notFound('webhook endpoint', id);
  return row;
}

/** The audit shows endpoint views only: the signing secret never goes into the audit log. */
export async function createEndpoint(args: { ctx: AppContext; orgId: string; actor: string; url: string; events: string[]; enabled: boolean }) {
  const { ctx, orgId } = args;
  const url = checkUrl(args.url);
  return ctx.db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const id = newId('whk', now.getTime());
    const secret = newSecret();
    const events = [...new Set(args.events)];
    await insertEndpoint(tx, orgId, { id, url, events, enabled: args.enabled, createdAt: now, updatedAt: now }, secret);
    const view = endpointView({ id, url, events, enabled: args.enabled, createdAt: now, updatedAt: now });
    await recordAudit(tx, { orgId, actor: args.actor, action: 'webhook.create', target: id, after: view, at: now });
    return { ...view, secret };
  });
}

export function listEndpoints({ ctx, orgId }: { ctx: AppContext; orgId: string }) {
  return ctx.db.read(async (q) => {
    const found = await findEndpointRows(q, orgId);
    return found.map(endpointView);
  });
}

export function getEndpoint({ ctx, orgId, id }: { ctx: AppContext; orgId: string; id: string }) {
  return ctx.db.read(async (q) => endpointView(await findEndpoint(q, orgId, id)));
}

export async function updateEndpoint(args: {
  ctx: AppContext;
  orgId: string;
  actor: string;
  id: string;
  patch: { url?: string | undefined; events?: string[] | undefined; enabled?: boolean | undefined };
}) {
  const { ctx, orgId, id, patch } = args;
  const url = patch.url === undefined ? undefined : checkUrl(patch.url);
  return ctx.db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const current = await findEndpoint(tx, orgId, id);
    const now = ctx.clock.now();
    const next = {
      ...current,
      url: url ?? current.url,
      events: patch.events ? [...new Set(patch.events)] : current.events,
      enabled: patch.enabled ?? current.enabled,
      updatedAt: now,
    };
    await updateEndpointRow(tx, orgId, next);
    const view = endpointView(next);
    await recordAudit(tx, { orgId, actor: args.actor, action: 'webhook.update', target: id, before: endpointView(current), after: view, at: now });
    return view;
  });
}

/** Deleting keeps the row (its delivery history stays readable); pending messages to it are cancelled. */
export async function deleteEndpoint({ ctx, orgId, actor, id }: { ctx: AppContext; orgId: string; actor: string; id: string }) {
  await ctx.db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const current = await findEndpoint(tx, orgId, id);
    const at = ctx.clock.now();
    await recordAudit(tx, { orgId, actor, action: 'webhook.delete', target: id, before: endpointView(current), after: null, at });
    await deleteEndpointRow(tx, orgId, id, at);
  });
}

/** Every attempt to deliver to one endpoint, newest first. */
export async function listDeliveries(args: { ctx: AppContext; orgId: string; id: string; before: string | undefined; limit: number }) {
  const { ctx, orgId, id, limit } = args;
  return ctx.db.read(async (q) => {
    await findEndpoint(q, orgId, id);
    const found = await findDeliveries(q, orgId, id, args.before, limit + 1);
    const data = found.slice(0, limit).map((r) => ({
      delivery_id: r.outboxId,
      message_id: r.messageId,
      type: r.type,
      attempt: r.attempt,
      attempted_at: r.attemptedAt.toISOString(),
      ok: r.ok,
      status_code: r.statusCode,
      error: r.error,
      delivery_status: r.status,
    }));
    const last = data[data.length - 1];
    return { data, next: found.length > limit && last ? `${last.delivery_id}:${String(last.attempt).padStart(4, '0')}` : null };
  });
}
