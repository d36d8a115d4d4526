import type { SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { newId } from '../../ids.js';
import { auditsInsert, findAudit, type NewAudit } from './queries.js';

export interface AuditInput {
  orgId: string;
  actor: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
  at: Date;
}

/** The JSON stored, or null for none (callers pass amounts already formatted as decimal strings; a stray bigint is written as one). */
function jsonText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

const auditRow = (entry: AuditInput): NewAudit => ({
  orgId: entry.orgId,
  id: newId('aud', entry.at.getTime()),
  actor: entry.actor,
  action: entry.action,
  target: entry.target,
  before: jsonText(entry.before),
  after: jsonText(entry.after),
  at: entry.at,
});

/** Writes one audit entry; always called inside the transaction that makes the change. */
export async function recordAudit(tx: Q, entry: AuditInput): Promise<void> {
  await tx.execute(auditsInsert([auditRow(entry)])!);
}

/**
 * The statement writing several audit entries (the calls of one real-time
 * group), for writeTogether with the change they describe; undefined for none.
 */
export function auditWrite(entries: AuditInput[]): SQL | undefined {
  return auditsInsert(entries.map(auditRow));
}

/** Newest first; the cursor is the last entry's id (ids sort by time). */
export async function listAudit(args: {
  ctx: AppContext;
  orgId: string;
  action?: string | undefined;
  actor?: string | undefined;
  before?: string | undefined;
  limit: number;
}) {
  const { ctx, orgId, limit } = args;
  const found = await ctx.db.read((q) => findAudit(q, orgId, { action: args.action, actor: args.actor, before: args.before, limit: limit + 1 }));
  const data = found.slice(0, limit).map((r) => ({ ...r, at: r.at.toISOString() }));
  return { data, next: found.length > limit ? data[data.length - 1]!.id : null };
}
