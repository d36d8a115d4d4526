import type { AppContext } from '../context.js';
import { settleOverage } from '../modules/grants/index.js';
import { findOrgsToRepayOverage, runBalanceChanged } from '../modules/ledger/index.js';
import { lockOrg, tryLockOrg } from '../modules/orgs/index.js';
import { eachOrg } from './isolate.js';

export const BLOCK_START = 'block-start';

/**
 * When a block starts, credit becomes available: overage owed is repaid from
 * it (the ledger core otherwise repays only at grant creation and ingest).
 * Candidates are organizations that owe overage and hold a started block with
 * credit; the repayment runs under the organization lock, where settleOverage
 * re-reads what is owed, so a second instance finds nothing left to do.
 */
export async function startBlocks(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const due = await ctx.db.read((q) => findOrgsToRepayOverage(q, now));
  return eachOrg(ctx, BLOCK_START, due, (orgId) => orgId, (orgId) =>
    ctx.db.transaction(async (tx) => {
      if (!(await tryLockOrg(tx, orgId))) return 0;
      const org = await lockOrg(tx, orgId);
      const at = ctx.clock.now();
      const repaid = await settleOverage(tx, org, at, 'scheduler');
      if (repaid === 0n) return 0;
      await runBalanceChanged(ctx.hooks, { tx, org, now: at });
      return 1;
    }),
  );
}
