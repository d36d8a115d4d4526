import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bigOrNull, date, intOrNull, json, mapFirst, mapRows, text, textOf, type DbRow } from '../../db/rows.js';
import { alertThresholds } from '../../db/schema/index.js';
import type { ThresholdState } from '../../domain/alerts.js';

export interface ThresholdRow {
  id: string;
  credits: bigint | null;
  pctBp: number | null;
  state: ThresholdState;
  changedAt: Date;
}

function toThreshold(r: DbRow): ThresholdRow {
  return {
    id: text(r.id),
    credits: bigOrNull(r.credits),
    pctBp: intOrNull(r.pctBp),
    state: textOf<ThresholdState>(r.state),
    changedAt: date(r.changedAt),
  };
}

export async function findThresholds(q: Q, orgId: string): Promise<ThresholdRow[]> {
  return mapRows(
    q,
    sql`select id, credits, pct_bp as "pctBp", state, changed_at as "changedAt" from alert_thresholds
        where org_id = ${orgId} order by credits nulls last, pct_bp`,
    toThreshold,
  );
}

export async function setThresholdState(tx: Q, orgId: string, id: string, state: ThresholdState, now: Date): Promise<void> {
  await tx.execute(sql`update alert_thresholds set state = ${state},
    changed_at = ${now.toISOString()}::timestamptz where org_id = ${orgId} and id = ${id}`);
}

export async function deleteThresholds(tx: Q, orgId: string, ids: string[]): Promise<void> {
  await tx.execute(sql`delete from alert_thresholds where org_id = ${orgId} and id = any(${sql.param(ids)}::text[])`);
}

export async function insertThresholds(tx: Q, orgId: string, rows: ThresholdRow[]): Promise<void> {
  await tx.insert(alertThresholds).values(rows.map((t) => ({ orgId, ...t })));
}

/** The addresses set with the thresholds (beside the organization's owners and billing admins). */
export async function findAlertEmails(q: Q, orgId: string): Promise<string[]> {
  return (await mapFirst(q, sql`select emails from alert_settings where org_id = ${orgId}`, (r) => json<string[]>(r.emails))) ?? [];
}

export async function saveAlertEmails(tx: Q, orgId: string, emails: string[], now: Date): Promise<void> {
  await tx.execute(sql`insert into alert_settings (org_id, emails, updated_at)
    values (${orgId}, ${JSON.stringify(emails)}::jsonb, ${now.toISOString()}::timestamptz)
    on conflict (org_id) do update set emails = excluded.emails, updated_at = excluded.updated_at`);
}

export interface DepletedGrant {
  id: string;
  name: string;
  source: string;
  amount: bigint;
}

/**
 * Grants whose every started block is used up (none expired), not yet
 * notified. Reads grants and blocks in the same statement as the
 * notifications already sent (grant_depletions, this module's table).
 */
export async function findNewlyDepletedGrants(q: Q, orgId: string, now: Date): Promise<DepletedGrant[]> {
  return mapRows(
    q,
    sql`select g.id, g.name, g.source, sum(b.amount)::bigint as amount
        from grants g join blocks b on b.org_id = g.org_id and b.grant_id = g.id
        where g.org_id = ${orgId} and g.voided_at is null and not g.pending_payment
          and not exists (select 1 from grant_depletions d where d.org_id = g.org_id and d.grant_id = g.id)
        group by g.id, g.name, g.source
        having max(b.remaining) = 0 and max(b.expired_amount) = 0 and max(b.starts_at) <= ${now.toISOString()}::timestamptz`,
    (r) => ({ id: text(r.id), name: text(r.name), source: text(r.source), amount: big(r.amount) }),
  );
}

export async function recordGrantDepleted(tx: Q, orgId: string, grantId: string, now: Date): Promise<void> {
  await tx.execute(sql`insert into grant_depletions (org_id, grant_id, notified_at)
    values (${orgId}, ${grantId}, ${now.toISOString()}::timestamptz) on conflict do nothing`);
}
