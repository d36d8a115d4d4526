import { creditsText } from '../../domain/display.js';
import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { categoryLabel } from '../../domain/labels.js';
import { formatMicro, MICRO } from '../../domain/money.js';
import { percentOf } from '../../domain/shares.js';
import { periodContaining } from '../../domain/time.js';
import type { LedgerHooks } from '../ledger/index.js';
import { countMembers } from '../members/index.js';
import { effectiveMeters } from '../meters/index.js';
import { lockOrg, type OrgRow, requireOrg } from '../orgs/index.js';
import {computeStatement} from '../statements/index.js';
import {latestGauge, usageByMeter} from '../usage/index.js';
import { findPlan, savePlan, type PlanRow } from './queries.js';

/** A limit or allowance: micro-units, or null for "unlimited". */
export type LimitValue = bigint | null;

export interface PlanInput {
  name: string;
  limits: Record<string, LimitValue>;
  allowances: Record<string, LimitValue>;
}

const toStored = (values: Record<string, LimitValue>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === null ? null : v.toString()]));
const fromStored = (v: string | null | undefined): LimitValue | undefined => (v === undefined ? undefined : v === null ? null : BigInt(v));
const showLimit = (v: string | null) => (v === null ? 'unlimited' : formatMicro(BigInt(v)));

function planView(p: PlanRow | undefined) {
  return {
    name: p?.name ?? null,
    limits: Object.fromEntries(Object.entries(p?.limits ?? {}).map(([k, v]) => [k, showLimit(v)])),
    allowances: Object.fromEntries(Object.entries(p?.allowances ?? {}).map(([k, v]) => [k, showLimit(v)])),
    updated_at: p ? p.updatedAt.toISOString() : null,
  };
}

export async function putPlan({ ctx, orgId, input }: { ctx: AppContext; orgId: string; input: PlanInput }) {
  return ctx.db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    await savePlan(tx, orgId, { name: input.name, limits: toStored(input.limits), allowances: toStored(input.allowances) }, now);
    return planView(await findPlan(tx, orgId));
  });
}

export function getPlan({ ctx, orgId }: { ctx: AppContext; orgId: string }) {
  return ctx.db.read(async (q) => {
    await requireOrg(q, orgId);
    return planView(await findPlan(q, orgId));
  });
}

/** Seats are the organization's members (SPEC §3.10: a gauge, its current value). */
async function seatsUsed(q: Q, orgId: string): Promise<bigint> {
  return countMembers(q, orgId);
}

/** Built-in rows of the plan usage table: limit key, gauge meters tried in order, label, unit. */
const GAUGES = [
  { key: 'storage', limit: 'storage_gb', meters: ['storage_gb', 'storage'], label: 'Storage', unit: 'GB' },
  { key: 'deployments', limit: 'deployments', meters: ['deployments'], label: 'Deployments', unit: 'deployments' },
] as const;

async function gaugeValue(q: Q, orgId: string, meters: readonly string[]): Promise<bigint> {
  for (const m of meters) {
    const v = await latestGauge(q, orgId, m);
    if (v !== null) return v;
  }
  return 0n;
}

function row(key: string, label: string, used: bigint, limit: LimitValue | undefined, unit: string) {
  return {
    key,
    label,
    used: formatMicro(used),
    limit: limit === undefined || limit === null ? null : formatMicro(limit),
    /** what the limit still allows ("{remaining} of {limit} credits remaining"); null without a numeric limit */
    remaining: limit === undefined || limit === null ? null : formatMicro(limit > used ? limit - used : 0n),
    unlimited: limit === null,
    unit,
    pct: limit === undefined || limit === null ? null : percentOf(used, limit),
  };
}

/** Credits consumed this period: with the credits held now, what a per-period credit limit counts. */
async function consumedThisPeriod(q: Q, org: OrgRow, now: Date): Promise<bigint> {
  const statement = await computeStatement(q, org, periodContaining(now, org.timezone), now);
  return statement.summary.consumed;
}

export function planUsage({ ctx, orgId }: { ctx: AppContext; orgId: string }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const now = ctx.clock.now();
    const plan = await findPlan(q, orgId);
    const limits = plan?.limits ?? {};
    const consumed = await consumedThisPeriod(q, org, now);
    const out = [row('credits', 'Credits', consumed, fromStored(limits.credits_per_period), 'credits')];
    for (const g of GAUGES) out.push(row(g.key, g.label, await gaugeValue(q, orgId, g.meters), fromStored(limits[g.limit]), g.unit));
    out.push(row('seats', 'Member seats', (await seatsUsed(q, orgId)) * MICRO, fromStored(limits.seats), 'seats'));
    const builtIn = new Set(['credits_per_period', 'seats', ...GAUGES.map((g) => g.limit)]);
    const meters = await effectiveMeters(q, orgId);
    for (const [key, value] of Object.entries(limits)) {
      if (builtIn.has(key)) continue;
      out.push(row(key, meters.get(key)?.name ?? key, await gaugeValue(q, orgId, [key]), fromStored(value), meters.get(key)?.unit ?? ''));
    }
    // Allowances count this period's usage of the meters whose key or category is the allowance's key.
    const period = periodContaining(now, org.timezone);
    const allowances = Object.entries(plan?.allowances ?? {});
    const used = allowances.length === 0 ? [] : await usageByMeter(q, orgId, period.startsAt, period.endsAt);
    for (const [key, value] of allowances) {
      const matching = [...meters.values()].filter((m) => m.key === key || m.category === key);
      const quantity = used
        .filter((u) => matching.some((m) => m.key === u.meter))
        .reduce((s, u) => s + (meters.get(u.meter)?.aggregation === 'count' ? u.events * MICRO : u.quantity), 0n);
      const units = new Set(matching.map((m) => m.unit));
      out.push(row(key, categoryLabel(key), quantity, fromStored(value), units.size === 1 ? [...units][0]! : ''));
    }
    return { plan: plan?.name ?? null, data: out };
  });
}

/**
 * The admission hook (SPEC §3.10): `check` and `hold` refuse an amount that
 * would take the period's credits (consumed + held) past a hard
 * credits_per_period limit. Registered in src/app.ts. `held` is the balance
 * module's figure (open holds past their expiry no longer count). The
 * real-time path passes the plan and the period's consumption it read already.
 */
export const planAdmission: LedgerHooks['admission'][number] = async ({ tx, org, now, amount, held, preloaded }) => {
  const limits = preloaded ? preloaded.planLimits : (await findPlan(tx, org.id))?.limits;
  const limit = fromStored(limits?.credits_per_period);
  if (limit === undefined || limit === null) return null;
  const consumed = preloaded?.periodConsumed ?? (await consumedThisPeriod(tx, org, now));
  const remaining = limit - consumed - held > 0n ? limit - consumed - held : 0n;
  if (amount <= remaining) return null;
  return {
    limit: 'plan',
    remaining,
    message:
      `The plan limit credits_per_period (${creditsText(limit)} credits per billing period) leaves ${creditsText(remaining)} credits; ` +
      `${creditsText(amount)} were asked for.`,
  };
};
