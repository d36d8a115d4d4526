import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import { blockApplies, normalizeAppliesTo, type AppliesTo } from '../../domain/appliesTo.js';
import type { BlockState } from '../../domain/balance.js';
import { isActiveAt } from '../../domain/drawdown.js';
import { formatMicro } from '../../domain/money.js';
import type { LedgerHooks } from '../ledger/hooks.js';
import { effectiveMeters } from '../meters/service.js';
import { balanceNow } from './service.js';

/** Each grant with a scope (SPEC §3.16), by id. */
export async function grantScopes(q: Q, orgId: string): Promise<Map<string, AppliesTo>> {
  const found = await rows<{ id: string; appliesTo: AppliesTo | null }>(
    q,
    sql`select id, applies_to as "appliesTo" from grants where org_id = ${orgId} and applies_to is not null`,
  );
  const out = new Map<string, AppliesTo>();
  for (const g of found) {
    const scope = normalizeAppliesTo(g.appliesTo);
    if (scope) out.set(g.id, scope);
  }
  return out;
}

/** Blocks that may pay usage at `t`: paid for, not voided, active, with credit left. */
const spendableAt = (blocks: BlockState[], t: Date) =>
  blocks.filter((b) => !b.pendingPayment && (b.voidedAt === null || b.voidedAt > t) && isActiveAt(b, t) && b.balance > 0n);

/**
 * The part of `available` that only some usage may spend, per scope: the
 * balance answer's `scoped` list (one entry per distinct applies_to, in a
 * stable order). Scoped credit is part of `available` too.
 */
export function scopedAvailable(blocks: BlockState[], scopes: Map<string, AppliesTo>, t: Date): { applies_to: AppliesTo; available: string }[] {
  const sums = new Map<string, { appliesTo: AppliesTo; available: bigint }>();
  for (const b of spendableAt(blocks, t)) {
    const scope = scopes.get(b.grantId);
    if (!scope) continue;
    const key = JSON.stringify(scope);
    const s = sums.get(key);
    if (s) s.available += b.balance;
    else sums.set(key, { appliesTo: scope, available: b.balance });
  }
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => ({ applies_to: s.appliesTo, available: formatMicro(s.available) }));
}

/**
 * What may pay for usage of one meter now: the credit of blocks that apply
 * to it (unscoped ones and those scoped to the meter or its category) less
 * open holds, which reserve against any credit.
 */
export async function availableForMeter(q: Q, orgId: string, meter: { key: string; category: string }, now: Date): Promise<bigint> {
  const [{ blocks, summary }, scopes] = await Promise.all([balanceNow(q, orgId, now), grantScopes(q, orgId)]);
  let credit = 0n;
  for (const b of spendableAt(blocks, now)) if (blockApplies(scopes.get(b.grantId) ?? null, meter)) credit += b.balance;
  return credit - summary.held;
}

/**
 * ctx.hooks.admission: a `check` or `hold` that names its meter counts only
 * the credit that could pay for it (SPEC §3.16). Without a meter, the
 * balance limit is `available` as before. Overage allowed: no balance limit.
 */
export const meterBalanceAdmission: LedgerHooks['admission'][number] = async ({ tx, org, now, amount, subject }) => {
  if (!subject?.meter || org.overage === 'allow') return null;
  const meter = (await effectiveMeters(tx, org.id)).get(subject.meter);
  if (!meter) return null;
  const available = await availableForMeter(tx, org.id, { key: subject.meter, category: meter.category }, now);
  const remaining = available > 0n ? available : 0n;
  if (amount <= remaining) return null;
  return {
    limit: 'balance',
    remaining,
    message: `${formatMicro(amount)} credits exceed the credits that may pay for meter "${subject.meter}" (${formatMicro(remaining)} available to it).`,
  };
};
