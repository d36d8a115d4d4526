import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import type { RuleRow } from './rule-types.js';

export async function loadRules(q: Q, orgId: string): Promise<RuleRow[]> {
  return rows<RuleRow>(q, sql`select id, type, config from alert_rules where org_id = ${orgId} order by id`);
}

export interface RuleStateRow {
  ruleId: string;
  subject: string;
  state: 'armed' | 'fired';
  data: Record<string, unknown>;
  changedAt: Date;
}

export async function loadRuleStates(q: Q, orgId: string): Promise<RuleStateRow[]> {
  const found = await rows<RuleStateRow>(
    q,
    sql`select rule_id as "ruleId", subject, state, data, changed_at as "changedAt" from alert_rule_states
        where org_id = ${orgId} order by rule_id, subject`,
  );
  return found.map((s) => ({ ...s, changedAt: new Date(s.changedAt) }));
}

export async function saveRuleState(tx: Q, orgId: string, s: Omit<RuleStateRow, 'changedAt'>, now: Date): Promise<void> {
  await tx.execute(sql`insert into alert_rule_states (org_id, rule_id, subject, state, data, changed_at)
    values (${orgId}, ${s.ruleId}, ${s.subject}, ${s.state}, ${JSON.stringify(s.data)}::jsonb, ${now.toISOString()}::timestamptz)
    on conflict (org_id, rule_id, subject) do update set state = excluded.state, data = excluded.data, changed_at = excluded.changed_at`);
}

/** Organizations with at least one rule: the scheduler job's candidates. */
export async function orgsWithRules(q: Q): Promise<string[]> {
  const found = await rows<{ orgId: string }>(q, sql`select distinct org_id as "orgId" from alert_rules order by org_id`);
  return found.map((r) => r.orgId);
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
  const found = await rows<{ subject: string; day: string; credits: string }>(
    q,
    sql`select ${key} as subject, day::text as day, sum(credits)::text as credits from usage_daily
        where org_id = ${orgId} and day >= ${fromDay}::date and day <= ${toDay}::date ${skip}
        group by 1, 2`,
  );
  return found.map((r) => ({ ...r, credits: BigInt(r.credits) }));
}
