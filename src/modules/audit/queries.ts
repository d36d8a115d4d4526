import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { date, json, mapRows, text } from '../../db/rows.js';
import { auditLog } from '../../db/schema/index.js';

export interface AuditRow {
  id: string;
  actor: string;
  action: string;
  target: string;
  /** JSON as written: a copy of the object before and after the change, or null */
  before: unknown;
  after: unknown;
  at: Date;
}

/** Audit entries in one statement, however many. */
export async function insertAudits(tx: Q, entries: (AuditRow & { orgId: string })[]): Promise<void> {
  if (entries.length > 0) await tx.insert(auditLog).values(entries);
}

/** Newest first, `limit` at most, optionally by action, by actor and before an id. */
export async function findAudit(
  q: Q,
  orgId: string,
  f: { action?: string | undefined; actor?: string | undefined; before?: string | undefined; limit: number },
): Promise<AuditRow[]> {
  const conditions = [
    sql`org_id = ${orgId}`,
    f.action ? sql`action = ${f.action}` : undefined,
    f.actor ? sql`actor = ${f.actor}` : undefined,
    f.before ? sql`id < ${f.before}` : undefined,
  ].filter((c) => c !== undefined);
  return mapRows(
    q,
    sql`select id, actor, action, target, before, after, at from audit_log
        where ${sql.join(conditions, sql` and `)} order by id desc limit ${f.limit}`,
    (r) => ({
      id: text(r.id),
      actor: text(r.actor),
      action: text(r.action),
      target: text(r.target),
      before: json<unknown>(r.before ?? null),
      after: json<unknown>(r.after ?? null),
      at: date(r.at),
    }),
  );
}
