import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { date, json, mapFirst, text } from '../../db/rows.js';

/** A plan as stored: limits and allowances are decimal strings of micro-units, null for "unlimited". */
export interface PlanRow {
  name: string;
  limits: Record<string, string | null>;
  allowances: Record<string, string | null>;
  updatedAt: Date;
}

export async function findPlan(q: Q, orgId: string): Promise<PlanRow | undefined> {
  return mapFirst(q, sql`select name, limits, allowances, updated_at as "updatedAt" from plans where org_id = ${orgId}`, (r) => ({
    name: text(r.name),
    limits: json<PlanRow['limits']>(r.limits),
    allowances: json<PlanRow['allowances']>(r.allowances),
    updatedAt: date(r.updatedAt),
  }));
}

export async function savePlan(tx: Q, orgId: string, plan: Omit<PlanRow, 'updatedAt'>, now: Date): Promise<void> {
  await tx.execute(sql`
    insert into plans (org_id, name, limits, allowances, updated_at)
    values (${orgId}, ${plan.name}, ${JSON.stringify(plan.limits)}::jsonb, ${JSON.stringify(plan.allowances)}::jsonb, ${now.toISOString()}::timestamptz)
    on conflict (org_id) do update set name = excluded.name, limits = excluded.limits,
      allowances = excluded.allowances, updated_at = excluded.updated_at`);
}
