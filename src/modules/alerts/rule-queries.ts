import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, date, json, mapRows, text, textOf } from '../../db/rows.js';
import type { RuleRow } from './rule-types.js';

export async function loadRules(q: Q, orgId: string): Promise<RuleRow[]> {
  return mapRows(q, sql`select id, type, config from alert_rules where org_id = ${orgId} order by id`, (r) => ({
    id: text(r.id),
    type: text(r.type),
    config: json<Record<string, unknown>>(r.config),
  }));
}

export async function insertRule(tx: Q, orgId: string, rule: RuleRow, now: Date): Promise<void> {
  await tx.execute(sql`insert into alert_rules (org_id, id, type, config, created_at)
    values (${orgId}, ${rule.id}, ${rule.type}, ${JSON.stringify(rule.config)}::jsonb, ${now.toISOString()}::timestamptz)`);
}

/** Removes rules and their states (two statements: the states first). */
export async function deleteRules(tx: Q, orgId: string, ids: string[]): Promise<void> {
  await tx.execute(sql`delete from alert_rule_states where org_id = ${orgId} and rule_id = any(${sql.param(ids)}::text[])`);
  await tx.execute(sql`delete from alert_rules where org_id = ${orgId} and id = any(${sql.param(ids)}::text[])`);
}

export interface RuleStateRow {
  ruleId: string;
  subject: string;
  state: 'armed' | 'fired';
  data: Record<string, unknown>;
  changedAt: Date;
}

export async function loadRuleStates(q: Q, orgId: string): Promise<RuleStateRow[]> {
  return mapRows(
    q,
    sql`select rule_id as "ruleId", subject, state, data, changed_at as "changedAt" from alert_rule_states
        where org_id = ${orgId} order by rule_id, subject`,
    (r) => ({
      ruleId: text(r.ruleId),
      subject: text(r.subject),
      state: textOf<RuleStateRow['state']>(r.state),
      data: json<Record<string, unknown>>(r.data),
      changedAt: date(r.changedAt),
    }),
  );
}

export async function saveRuleState(tx: Q, orgId: string, s: Omit<RuleStateRow, 'changedAt'>, now: Date): Promise<void> {
  await tx.execute(sql`insert into alert_rule_states (org_id, rule_id, subject, state, data, changed_at)
    values (${orgId}, ${s.ruleId}, ${s.subject}, ${s.state}, ${JSON.stringify(s.data)}::jsonb, ${now.toISOString()}::timestamptz)
    on conflict (org_id, rule_id, subject) do update set state = excluded.state, data = excluded.data, changed_at = excluded.changed_at`);
}

/** Organizations with at least one rule: the scheduler job's candidates. */
export async function orgsWithRules(q: Q): Promise<string[]> {
  return mapRows(q, sql`select distinct org_id as "orgId" from alert_rules order by org_id`, (r) => text(r.orgId));
}

/**
 * Credits per local day and subject in [fromDay, toDay]: the organization
 * ('org'), each member (the event's `user`) or each project.
 */
export async function dailyBySubject(
  q: Q,
  orgId: string,
  scope: 'org' | 'member' | 'project',
  fromDay: string,
  toDay: string,
): Promise<{ subject: string; day: string; credits: bigint }[]> {
  const key = scope === 'org' ? sql`'org'` : scope === 'member' ? sql`'member:' || user_id` : sql`'project:' || project`;
  const skip = scope === 'member' ? sql`and user_id <> ''` : scope === 'project' ? sql`and project <> ''` : sql``;
  return mapRows(
    q,
    sql`select ${key} as subject, day::text as day, sum(credits)::text as credits from usage_daily
        where org_id = ${orgId} and day >= ${fromDay}::date and day <= ${toDay}::date ${skip}
        group by 1, 2`,
    (r) => ({ subject: text(r.subject), day: text(r.day), credits: big(r.credits) }),
  );
}
