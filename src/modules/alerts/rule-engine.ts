import type { Q } from '../../db/client.js';
import { loadBudgetState } from '../allocations/index.js';
import { DEFAULT_HORIZON_DAYS, forecastScope, type ScopedForecast } from '../forecast/index.js';
import { enqueue } from '../outbox/index.js';
import type { OrgRow } from '../orgs/index.js';
import { alertRecipients } from './recipients.js';
import { loadRuleStates, loadRules, saveRuleState } from './rule-queries.js';
import { EVALUATORS } from './rule-evaluators.js';
import type { Observation, RuleContext, RuleRow, RuleType } from './rule-types.js';

/**
 * Evaluates every alert rule of an organization and sends one notice per
 * crossing: an armed subject whose condition holds fires (status "firing"),
 * a fired one whose condition no longer holds, or that is no longer watched,
 * resolves (status "resolved"). The caller holds the organization row lock,
 * so concurrent evaluations (writers, a second instance, a restart that
 * re-runs the job) read the state the previous one wrote and send nothing
 * twice. The notice's type is the rule's type. Returns the notices sent.
 */
export async function evaluateRules(tx: Q, org: OrgRow, now: Date): Promise<number> {
  const rules = await loadRules(tx, org.id);
  if (rules.length === 0) return 0;
  const states = new Map((await loadRuleStates(tx, org.id)).map((s) => [`${s.ruleId}|${s.subject}`, s]));
  const horizon = Math.max(DEFAULT_HORIZON_DAYS, ...rules.map((r) => (typeof r.config.days === 'number' ? r.config.days + 1 : 0)));
  let forecast: Promise<ScopedForecast> | undefined;
  let budget: ReturnType<RuleContext['budget']> | undefined;
  const c: RuleContext = {
    tx,
    org,
    now,
    orgForecast: () => (forecast ??= forecastScope(tx, org, { kind: 'org' }, now, horizon)),
    budget: () => (budget ??= loadBudgetState(tx, org, now)),
  };
  let emails: string[] | undefined;
  let sent = 0;
  const send = async (rule: RuleRow, status: 'firing' | 'resolved', o: Observation) => {
    emails ??= await alertRecipients(tx, org.id);
    await saveRuleState(tx, org.id, { ruleId: rule.id, subject: o.subject, state: status === 'firing' ? 'fired' : 'armed', data: o.data }, now);
    await enqueue(tx, { orgId: org.id, type: rule.type, now, emails, data: { org_id: org.id, rule_id: rule.id, status, subject: o.subject, ...o.data } });
    sent++;
  };
  for (const rule of rules) {
    const evaluate = EVALUATORS[rule.type as RuleType] as (typeof EVALUATORS)[RuleType] | undefined;
    if (!evaluate) continue;
    const seen = new Set<string>();
    for (const o of await evaluate(c, rule.config)) {
      seen.add(o.subject);
      const fired = states.get(`${rule.id}|${o.subject}`)?.state === 'fired';
      if (o.firing && !fired) await send(rule, 'firing', o);
      else if (!o.firing && fired) await send(rule, 'resolved', o);
    }
    for (const s of states.values()) {
      if (s.ruleId === rule.id && s.state === 'fired' && !seen.has(s.subject)) await send(rule, 'resolved', { subject: s.subject, firing: false, data: s.data });
    }
  }
  return sent;
}
