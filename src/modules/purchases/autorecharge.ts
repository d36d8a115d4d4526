import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { rechargeDecision, type AutoRechargeRule } from '../../domain/alerts.js';
import { formatMicro } from '../../domain/money.js';
import { periodContaining } from '../../domain/time.js';
import { balanceInTx } from '../alerts/index.js';
import { lockOrg, type OrgRow, requireOrg } from '../orgs/index.js';
import {
  countAutoPurchases,
  findAutoRecharge,
  markAutoRechargeStarted,
  upsertAutoRecharge,
  type AutoRechargeInput,
  type AutoRechargeRow,
} from './queries.js';
import {recordAudit} from '../audit/index.js';
import { AUTO_RECHARGE_ACTOR, startPurchase } from './service.js';

export type { AutoRechargeInput } from './queries.js';

function rule(s: AutoRechargeRow): AutoRechargeRule {
  return {
    enabled: s.enabled,
    threshold: s.threshold,
    maxPerMonth: s.maxPerMonth,
    cooldownMinutes: s.cooldownMinutes,
    inFlight: s.inFlightPurchaseId !== null,
    lastStartedAt: s.lastStartedAt,
    lastFailedAt: s.lastFailedAt,
  };
}

/**
 * Inside the transaction that lowered the balance (organization lock held):
 * buys the set amount when available is below the threshold. The in-flight
 * marker is written in the same transaction, so however many writers cross
 * the threshold at once, one purchase starts.
 */
export async function evaluateAutoRecharge(
  ctx: AppContext,
  tx: Q,
  org: OrgRow,
  now: Date,
  available: () => Promise<bigint>,
): Promise<string | null> {
  const s = await findAutoRecharge(tx, org.id);
  if (!s || !s.enabled || s.inFlightPurchaseId !== null) return null;
  const balance = await available();
  const month = periodContaining(now, org.timezone);
  const started = await countAutoPurchases(tx, org.id, month.startsAt, month.endsAt);
  if (!rechargeDecision(rule(s), balance, started, now).buy) return null;
  const purchase = await startPurchase(
    ctx,
    tx,
    org,
    now,
    { amount: s.amount, priceUsd: null, origin: 'auto_recharge', idempotencyKey: null },
    AUTO_RECHARGE_ACTOR,
  );
  await markAutoRechargeStarted(tx, org.id, purchase.id, now);
  return purchase.id;
}

function settingsView(s: AutoRechargeRow | undefined, startedThisMonth: number) {
  return {
    enabled: s?.enabled ?? false,
    threshold: formatMicro(s?.threshold ?? 0n),
    amount: formatMicro(s?.amount ?? 0n),
    max_per_month: s?.maxPerMonth ?? 0,
    cooldown_minutes: s?.cooldownMinutes ?? 0,
    in_flight_purchase_id: s?.inFlightPurchaseId ?? null,
    purchases_this_month: startedThisMonth,
    last_started_at: s?.lastStartedAt?.toISOString() ?? null,
    last_failed_at: s?.lastFailedAt?.toISOString() ?? null,
  };
}

async function startedThisMonth(q: Q, org: OrgRow, now: Date): Promise<number> {
  const month = periodContaining(now, org.timezone);
  return countAutoPurchases(q, org.id, month.startsAt, month.endsAt);
}

/** What a person set (the audit's before/after); null before the first PUT. */
function ruleView(s: AutoRechargeRow | undefined) {
  if (!s) return null;
  return {
    enabled: s.enabled,
    threshold: formatMicro(s.threshold),
    amount: formatMicro(s.amount),
    max_per_month: s.maxPerMonth,
    cooldown_minutes: s.cooldownMinutes,
  };
}

/**
 * Saves the settings and evaluates them at once: enabling below the threshold
 * buys now (that purchase is audited as the system's, not the person's).
 */
export async function putAutoRecharge(args: {
  ctx: AppContext;
  orgId: string;
  actor: string;
  input: AutoRechargeInput;
}) {
  const { ctx, orgId, input } = args;
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const before = ruleView(await findAutoRecharge(tx, orgId));
    await upsertAutoRecharge(tx, orgId, input, now);
    await recordAudit(tx, { orgId, actor: args.actor, action: 'auto_recharge.update', target: orgId, before, after: ruleView(await findAutoRecharge(tx, orgId)), at: now });
    await evaluateAutoRecharge(ctx, tx, org, now, async () => (await balanceInTx(tx, orgId, now)).available);
    return settingsView(await findAutoRecharge(tx, orgId), await startedThisMonth(tx, org, now));
  });
}

export function getAutoRecharge({ ctx, orgId }: { ctx: AppContext; orgId: string }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    return settingsView(await findAutoRecharge(q, orgId), await startedThisMonth(q, org, ctx.clock.now()));
  });
}
