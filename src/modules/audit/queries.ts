import { sql, type SQL } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { date, json, mapRows, text } from '../../db/rows.js';

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

/** An entry to write: `before` and `after` as JSON text (null for none). */
export interface NewAudit extends Omit<AuditRow, 'before' | 'after'> {
  orgId: string;
  before: string | null;
  after: string | null;
}

/**
 * Audit entries in one statement, however many: one array per column, so a
 * group of real-time calls costs eight parameters, not eight per entry.
 * Undefined when there are none (for writeTogether).
 */
export function auditsInsert(entries: NewAudit[]): SQL | undefined {
  if (entries.length === 0) return undefined;
  const col = <T>(f: (e: NewAudit) => T) => sql.param(entries.map(f));
  return sql`
    insert into audit_log (org_id, id, actor, action, target, before, after, at)
    select u.org_id, u.id, u.actor, u.action, u.target, u.before::jsonb, u.after::jsonb, u.at
    from unnest(${col((e) => e.orgId)}::text[], ${col((e) => e.id)}::text[], ${col((e) => e.actor)}::text[], ${col((e) => e.action)}::text[],
      ${col((e) => e.target)}::text[], ${col((e) => e.before)}::text[], ${col((e) => e.after)}::text[], ${col((e) => e.at.toISOString())}::timestamptz[])
      as u(org_id, id, actor, action, target, before, after, at)`;
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
