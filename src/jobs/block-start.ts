import { sql } from 'drizzle-orm';
import type { AppContext } from '../context.js';
import { rows } from '../db/client.js';
import { settleOverage } from '../modules/grants/service.js';
import { runBalanceChanged } from '../modules/ledger/hooks.js';
import { lockOrg } from '../modules/orgs/index.js';
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
  const now = ctx.clock.now().toISOString();
  const due = await ctx.db.read((q) =>
    rows<{ orgId: string }>(
      q,
      sql`select a.org_id as "orgId" from accounts a
          where a.account = 'overage' and a.balance < 0 and exists (
            select 1 from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
            where b.org_id = a.org_id and b.remaining > 0 and b.starts_at <= ${now}::timestamptz
              and (b.expires_at is null or b.expires_at > ${now}::timestamptz) and b.expiry_booked_at is null
              and g.voided_at is null and not g.pending_payment)
          order by a.org_id`,
    ),
  );
  return eachOrg(ctx, BLOCK_START, due, (d) => d.orgId, ({ orgId }) =>
    ctx.db.transaction(async (tx) => {
      const [free] = await rows<{ id: string }>(tx, sql`select id from orgs where id = ${orgId} for update skip locked`);
      if (!free) return 0;
      const org = await lockOrg(tx, orgId);
      const at = ctx.clock.now();
      const repaid = await settleOverage(tx, org, at, 'scheduler');
      if (repaid === 0n) return 0;
      await runBalanceChanged(ctx.hooks, { tx, org, now: at });
      return 1;
    }),
  );
}
