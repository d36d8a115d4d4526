import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows, type Q } from '../../db/client.js';
import { rechargeDecision, type AutoRechargeRule } from '../../domain/alerts.js';
import { formatMicro } from '../../domain/money.js';
import { periodContaining } from '../../domain/time.js';
import { balanceInTx } from '../alerts/index.js';
import { lockOrg, type OrgRow, requireOrg } from '../orgs/index.js';
import { countAutoPurchases } from './queries.js';
import { recordAudit } from '../audit/index.js';
import { AUTO_RECHARGE_ACTOR, startPurchase } from './service.js';

interface SettingsRow {
  enabled: boolean;
  threshold: bigint;
  amount: bigint;
  maxPerMonth: number;
  cooldownMinutes: number;
  inFlightPurchaseId: string | null;
  lastStartedAt: Date | null;
  lastFailedAt: Date | null;
  updatedAt: Date;
}

export interface AutoRechargeInput {
  enabled: boolean;
  threshold: bigint;
  amount: bigint;
  maxPerMonth: number;
  cooldownMinutes: number;
}

const date = (d: Date | null): Date | null => (d === null ? null : new Date(d));

async function loadSettings(q: Q, orgId: string): Promise<SettingsRow | undefined> {
  const [row] = await rows<SettingsRow>(
    q,
    sql`select enabled, threshold, amount, max_per_month as "maxPerMonth", cooldown_minutes as "cooldownMinutes",
          in_flight_purchase_id as "inFlightPurchaseId", last_started_at as "lastStartedAt", last_failed_at as "lastFailedAt",
          updated_at as "updatedAt"
        from auto_recharge where org_id = ${orgId}`,
  );
  return (
    row && {
      ...row,
      threshold: BigInt(row.threshold),
      amount: BigInt(row.amount),
      lastStartedAt: date(row.lastStartedAt),
      lastFailedAt: date(row.lastFailedAt),
      updatedAt: new Date(row.updatedAt),
    }
  );
}

function rule(s: SettingsRow): AutoRechargeRule {
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
  const s = await loadSettings(tx, org.id);
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
  await tx.execute(sql`update auto_recharge set in_flight_purchase_id = ${purchase.id},
    last_started_at = ${now.toISOString()}::timestamptz where org_id = ${org.id}`);
  return purchase.id;
}

function settingsView(s: SettingsRow | undefined, startedThisMonth: number) {
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
function ruleView(s: SettingsRow | undefined) {
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
    const before = ruleView(await loadSettings(tx, orgId));
    await tx.execute(sql`insert into auto_recharge (org_id, enabled, threshold, amount, max_per_month, cooldown_minutes, updated_at)
      values (${orgId}, ${input.enabled}, ${input.threshold.toString()}::bigint, ${input.amount.toString()}::bigint,
        ${input.maxPerMonth}, ${input.cooldownMinutes}, ${now.toISOString()}::timestamptz)
      on conflict (org_id) do update set enabled = excluded.enabled, threshold = excluded.threshold, amount = excluded.amount,
        max_per_month = excluded.max_per_month, cooldown_minutes = excluded.cooldown_minutes, updated_at = excluded.updated_at`);
    await recordAudit(tx, { orgId, actor: args.actor, action: 'auto_recharge.update', target: orgId, before, after: ruleView(await loadSettings(tx, orgId)), at: now });
    await evaluateAutoRecharge(ctx, tx, org, now, async () => (await balanceInTx(tx, orgId, now)).available);
    return settingsView(await loadSettings(tx, orgId), await startedThisMonth(tx, org, now));
  });
}

export function getAutoRecharge({ ctx, orgId }: { ctx: AppContext; orgId: string }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    return settingsView(await loadSettings(q, orgId), await startedThisMonth(q, org, ctx.clock.now()));
  });
}
