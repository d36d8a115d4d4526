import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import type { DbRow } from '../../db/rows.js';
import { formatMicro } from '../../domain/money.js';
import { summarizeBalance, type BalanceSummary, type BlockState } from '../../domain/balance.js';
import { grantScopes } from '../grants/index.js';
import { requireOrg } from '../orgs/index.js';
import { findAccountsAt, findAccountsNow, findBlocksAt, findBlocksNow, toBlockState, type RawBlock } from './queries.js';
import { scopedAvailable } from './scoped.js';

/**
 * The balances of SPEC §3.4. "Now" reads the cached block balances; a past
 * instant replays each block's entries up to it, so `?at=` answers what the
 * ledger said then (with late entries that were booked back into it).
 */
export async function getBalance({ ctx, orgId, at }: { ctx: AppContext; orgId: string; at?: Date | undefined }) {
  const now = ctx.clock.now();
  const asOf = at && at < now ? at : now;
  return ctx.db.read(async (q) => {
    await requireOrg(q, orgId);
    const blocks = asOf === now ? null : await findBlocksAt(q, orgId, asOf);
    const current = blocks === null ? await balanceNow(q, orgId, now) : null;
    const s = current ? current.summary : summarizeBalance(blocks!, await findAccountsAt(q, orgId, asOf), asOf);
    const scoped = scopedAvailable(current ? current.blocks : blocks!, await grantScopes(q, orgId), asOf);
    return {
      available: formatMicro(s.available),
      included: formatMicro(s.bySource.included),
      purchased: formatMicro(s.bySource.purchased),
      promotional: formatMicro(s.bySource.promotional),
      adjustment: formatMicro(s.bySource.adjustment),
      pending: formatMicro(s.pending),
      held: formatMicro(s.held),
      spent: formatMicro(s.spent),
      total_granted: formatMicro(s.totalGranted),
      overage: formatMicro(s.overage),
      scoped,
      as_of: asOf.toISOString(),
    };
  });
}

/**
 * The balances at `now` from the cached block balances, in the caller's
 * transaction or outside one. Holds past their expiry no longer count as held,
 * whether or not the job has released them yet. Every reader of "available
 * now" (this endpoint, low-credit alerts, auto-recharge) goes through here.
 */
export async function balanceNow(q: Q, orgId: string, now: Date): Promise<{ summary: BalanceSummary; blocks: BlockState[] }> {
  // one after another: q may be a transaction, one connection that runs one statement at a time
  const blocks = await findBlocksNow(q, orgId);
  const accounts = await accountsNow(q, orgId, now);
  return { summary: summarizeBalance(blocks, accounts, now), blocks };
}

/**
 * The cached `held` and `overage` balances, `held` less what open holds past
 * their expiry still reserve until the job releases them: one round trip.
 */
async function accountsNow(q: Q, orgId: string, now: Date): Promise<Map<string, bigint>> {
  const { accounts, lapsed } = await findAccountsNow(q, orgId, now);
  return heldLessLapsed(accounts, lapsed);
}

/**
 * The `held` account less what open holds past their expiry still reserve
 * (`lapsed`): what "held now" means, for this module and for the real-time
 * path's one-statement read (realtime/figures.ts).
 */
export function heldLessLapsed(accounts: Map<string, bigint>, lapsed: bigint): Map<string, bigint> {
  if (lapsed > 0n) accounts.set('held', (accounts.get('held') ?? 0n) - lapsed);
  return accounts;
}

export type { RawBlock } from './queries.js';

/** Blocks as the real-time path's JSON holds them (amounts as text or numbers, times as text). */
export function toState(rowsIn: RawBlock[]): BlockState[] {
  return rowsIn.map((b) => toBlockState(b as unknown as DbRow));
}
