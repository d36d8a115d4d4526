import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows, type Q } from '../../db/client.js';
import { auditLog } from '../../db/schema/index.js';
import { newId } from '../../ids.js';

export interface AuditInput {
  orgId: string;
  actor: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
  at: Date;
}

/** A JSON-safe copy (callers pass amounts already formatted as decimal strings). */
function plain(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

const auditRow = (entry: AuditInput) => ({
  orgId: entry.orgId,
  id: newId('aud', entry.at.getTime()),
  actor: entry.actor,
  action: entry.action,
  target: entry.target,
  before: plain(entry.before),
  after: plain(entry.after),
  at: entry.at,
});

/** Writes one audit entry; always called inside the transaction that makes the change. */
export async function recordAudit(tx: Q, entry: AuditInput): Promise<void> {
  await tx.insert(auditLog).values(auditRow(entry));
}

/** Writes several audit entries in one statement (the calls of one real-time group). */
export async function recordAudits(tx: Q, entries: AuditInput[]): Promise<void> {
  if (entries.length > 0) await tx.insert(auditLog).values(entries.map(auditRow));
}

interface AuditRow {
  id: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  at: Date;
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
  const conditions = [
    sql`org_id = ${orgId}`,
    args.action ? sql`action = ${args.action}` : undefined,
    args.actor ? sql`actor = ${args.actor}` : undefined,
    args.before ? sql`id < ${args.before}` : undefined,
  ].filter((c) => c !== undefined);
  const found = await ctx.db.read((q) =>
    rows<AuditRow>(
      q,
      sql`select id, actor, action, target, before, after, at from audit_log
          where ${sql.join(conditions, sql` and `)} order by id desc limit ${limit + 1}`,
    ),
  );
  const data = found.slice(0, limit).map((r) => ({
    id: r.id,
    actor: r.actor,
    action: r.action,
    target: r.target,
    before: r.before ?? null,
    after: r.after ?? null,
    at: new Date(r.at).toISOString(),
  }));
  return { data, next: found.length > limit ? data[data.length - 1]!.id : null };
}
