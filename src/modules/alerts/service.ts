import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { crossing, thresholdLevel, type Threshold } from '../../domain/alerts.js';
import { newId } from '../../ids.js';
import { formatMicro } from '../../domain/money.js';
import { recordAudit } from '../audit/index.js';
import { enqueue } from '../outbox/index.js';
import { lockOrg, type OrgRow, requireOrg } from '../orgs/index.js';
import { balanceInTx, type BalanceNow } from './balance.js';
import {
  deleteThresholds,
  findAlertEmails,
  findThresholds,
  insertThresholds,
  saveAlertEmails,
  setThresholdState,
  type ThresholdRow,
} from './queries.js';
import { alertRecipients } from './recipients.js';
import { evaluateRules } from './rule-engine.js';
import type { RuleInput } from './rule-types.js';
import { replaceRules, rulesAudit, rulesView } from './rules-service.js';

export type ThresholdInput = { credits: bigint } | { pctBp: number };

const keyOf = (t: { credits: bigint | null; pctBp: number | null }): string =>
  t.credits !== null ? `c:${t.credits}` : `p:${t.pctBp}`;

function asThreshold(row: ThresholdRow): Threshold {
  return row.credits !== null ? { credits: row.credits, pctBp: null } : { credits: null, pctBp: row.pctBp! };
}

function thresholdOut(row: ThresholdRow) {
  return row.credits !== null ? { credits: formatMicro(row.credits) } : { pct_of_included: row.pctBp! / 100 };
}

/**
 * Evaluates every threshold against the balance, inside the transaction
 * that changed it. The organization lock serializes an organization's
 * writers, and each threshold's armed/fired state changes in that same
 * transaction, so concurrent writers crossing one threshold send one alert.
 */
export async function evaluateAlerts(tx: Q, org: OrgRow, now: Date, readBalance: () => Promise<BalanceNow>): Promise<void> {
  const thresholds = await findThresholds(tx, org.id);
  if (thresholds.length === 0) return;
  const balance = await readBalance();
  let emails: string[] | undefined;
  for (const t of thresholds) {
    const level = thresholdLevel(asThreshold(t), balance.includedGranted);
    const change = crossing(t.state, balance.available, level);
    if (!change) continue;
    emails ??= await alertRecipients(tx, org.id);
    await setThresholdState(tx, org.id, t.id, change === 'fire' ? 'fired' : 'armed', now);
    await enqueue(tx, {
      orgId: org.id,
      type: change === 'fire' ? 'balance.low' : 'balance.low_resolved',
      now,
      emails,
      data: {
        org_id: org.id,
        threshold_id: t.id,
        threshold: thresholdOut(t),
        level: formatMicro(level),
        available: formatMicro(balance.available),
      },
    });
  }
}

function alertsView(thresholds: ThresholdRow[], emails: string[], balance: BalanceNow) {
  return {
    thresholds: thresholds.map((t) => ({
      id: t.id,
      ...thresholdOut(t),
      level: formatMicro(thresholdLevel(asThreshold(t), balance.includedGranted)),
      state: t.state === 'fired' ? ('below' as const) : ('ok' as const),
      changed_at: t.changedAt.toISOString(),
    })),
    emails,
    available: formatMicro(balance.available),
  };
}

/** The settings a person set, as the audit's before/after shows them. */
const settingsAudit = (thresholds: ThresholdRow[], emails: string[]) => ({
  thresholds: thresholds.map((t) => ({ id: t.id, ...thresholdOut(t) })),
  emails,
});

/**
 * Replaces the thresholds and emails. A threshold that is kept keeps its
 * state; a new one is evaluated at once, so one set above the current
 * balance alerts now rather than at the next change.
 */
export async function putAlerts(args: {
  ctx: AppContext;
  orgId: string;
  actor: string;
  thresholds: ThresholdInput[];
  emails: string[];
  /** alert rules; absent keeps the rules as they are */
  rules?: RuleInput[] | undefined;
}) {
  const { ctx, orgId } = args;
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const previous = await findThresholds(tx, orgId);
    const rulesBefore = await rulesAudit(tx, orgId);
    const before = settingsAudit(previous, await findAlertEmails(tx, orgId));
    const existing = new Map(previous.map((t) => [keyOf(t), t]));
    const wanted = new Map(
      args.thresholds.map((t) => {
        const row = 'credits' in t ? { credits: t.credits, pctBp: null } : { credits: null, pctBp: t.pctBp };
        return [keyOf(row), row] as const;
      }),
    );
    const removed = [...existing.keys()].filter((k) => !wanted.has(k)).map((k) => existing.get(k)!.id);
    if (removed.length > 0) {
      await deleteThresholds(tx, orgId, removed);
    }
    const added = [...wanted].filter(([k]) => !existing.has(k)).map(([, t]) => t);
    if (added.length > 0) {
      await insertThresholds(
        tx,
        orgId,
        added.map((t) => ({ id: newId('thr', now.getTime()), credits: t.credits, pctBp: t.pctBp, state: 'armed' as const, changedAt: now })),
      );
    }
    const emails = [...new Set(args.emails)];
    await saveAlertEmails(tx, orgId, emails, now);
    if (args.rules) await replaceRules(tx, orgId, args.rules, now);
    const rulesAfter = await rulesAudit(tx, orgId);
    const after = settingsAudit(await findThresholds(tx, orgId), emails);
    // Rules appear in the audit once an organization has any, so threshold-only settings read as before.
    const withRules = rulesBefore.length > 0 || rulesAfter.length > 0;
    await recordAudit(tx, {
      orgId,
      actor: args.actor,
      action: 'alerts.update',
      target: orgId,
      before: withRules ? { ...before, rules: rulesBefore } : before,
      after: withRules ? { ...after, rules: rulesAfter } : after,
      at: now,
    });
    const balance = await balanceInTx(tx, orgId, now);
    await evaluateAlerts(tx, org, now, async () => balance);
    // A new rule is evaluated at once, as a new threshold is.
    await evaluateRules(tx, org, now);
    return { ...alertsView(await findThresholds(tx, orgId), emails, balance), rules: await rulesView(tx, orgId) };
  });
}

export function getAlerts({ ctx, orgId }: { ctx: AppContext; orgId: string }) {
  return ctx.db.read(async (q) => {
    await requireOrg(q, orgId);
    const now = ctx.clock.now();
    const view = alertsView(await findThresholds(q, orgId), await findAlertEmails(q, orgId), await balanceInTx(q, orgId, now));
    return { ...view, rules: await rulesView(q, orgId) };
  });
}
