import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { newId } from '../../ids.js';
import { formatMicro } from '../../domain/money.js';
import { lockOrg, tryLockOrg } from '../orgs/index.js';
import { evaluateRules } from './rule-engine.js';
import { deleteRules, insertRule, loadRuleStates, loadRules, orgsWithRules } from './rule-queries.js';
import type { RuleInput, RuleRow } from './rule-types.js';

/** A rule's settings as stored and shown: amounts as decimal strings, keys in a fixed order. */
export function ruleConfig(r: RuleInput): Record<string, unknown> {
  switch (r.type) {
    case 'runway.low':
    case 'grant.expiring':
      return { days: r.days };
    case 'usage.spike':
      return { scope: r.scope, factor: r.factor, min_credits: formatMicro(r.min_credits ?? 0n) };
    case 'allocation.low':
      return r.credits !== undefined ? { scope: r.scope, credits: formatMicro(r.credits) } : { scope: r.scope, percent: r.percent };
  }
}

const keyOf = (type: string, config: Record<string, unknown>): string => `${type}|${JSON.stringify(config)}`;

/**
 * Replaces the rules inside the caller's transaction (organization locked).
 * A rule that is kept (same type and settings) keeps its state, so saving the
 * settings again never re-sends a notice; a removed rule's state goes with it.
 */
export async function replaceRules(tx: Q, orgId: string, wanted: RuleInput[], now: Date): Promise<void> {
  const existing = new Map((await loadRules(tx, orgId)).map((r) => [keyOf(r.type, r.config), r]));
  const next = new Map(wanted.map((r) => [keyOf(r.type, ruleConfig(r)), r] as const));
  const removed = [...existing].filter(([k]) => !next.has(k)).map(([, r]) => r.id);
  if (removed.length > 0) {
    await deleteRules(tx, orgId, removed);
  }
  for (const [k, r] of next) {
    if (existing.has(k)) continue;
    await insertRule(tx, orgId, { id: newId('rul', now.getTime()), type: r.type, config: ruleConfig(r) }, now);
  }
}

/** Rules with the state of every subject they watch, for GET/PUT /alerts. */
export async function rulesView(q: Q, orgId: string) {
  const rules = await loadRules(q, orgId);
  const states = await loadRuleStates(q, orgId);
  return rules.map((r: RuleRow) => ({
    id: r.id,
    type: r.type,
    ...r.config,
    subjects: states
      .filter((s) => s.ruleId === r.id)
      .map((s) => ({ subject: s.subject, state: s.state === 'fired' ? ('firing' as const) : ('ok' as const), changed_at: s.changedAt.toISOString() })),
  }));
}

export const rulesAudit = async (q: Q, orgId: string) => (await loadRules(q, orgId)).map((r) => ({ id: r.id, type: r.type, ...r.config }));

/**
 * The alert-rules job: every organization with rules, each in its own
 * transaction under the organization lock. A row another instance or a writer
 * holds is skipped (SKIP LOCKED) and retried on the next tick; the state the
 * winner wrote makes the loser's later run send nothing.
 */
export async function evaluateAllRules(ctx: AppContext): Promise<number> {
  const orgIds = await ctx.db.read((q) => orgsWithRules(q));
  let sent = 0;
  for (const orgId of orgIds) {
    try {
      sent += await ctx.db.transaction(async (tx) => {
        if (!(await tryLockOrg(tx, orgId))) return 0;
        return evaluateRules(tx, await lockOrg(tx, orgId), ctx.clock.now());
      });
    } catch (error) {
      // One organization's failure must not stop the others' alerts.
      ctx.log.error({ err: error, orgId }, 'alert rules evaluation failed');
    }
  }
  return sent;
}
