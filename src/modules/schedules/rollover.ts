import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { rolloverAmount, rolloverExpiry } from '../../domain/schedules.js';
import { formatMicro } from '../../domain/money.js';
import { bookingTime } from '../../domain/time.js';
import {recordAudit} from '../audit/index.js';
import { insertRolloverGrant, loadGrantView, markBlockRolledOver } from '../grants/index.js';
import {blockAccount, LedgerBatch} from '../ledger/index.js';
import {emitDomainEvent} from '../ledger/index.js';
import { findOrg } from '../orgs/index.js';
import { findDueRolloverBlocks, recordIssueRollover } from './queries.js';

/** The audit actor of rollovers (they happen at expiry, whichever job books it). */
export const ROLLOVER_ACTOR = 'system:scheduler';

/** The transit account of rollover entries: every rollover puts in what it takes out, so it stays at zero. */
export const ROLLOVER_ACCOUNT = 'rollover';

/**
 * Rollover at the end of a scheduled grant (issue 15). For each expired,
 * not yet booked block of a scheduled grant whose schedule has a rollover
 * rule: the unused credit up to the cap moves into a new grant's block
 * (`rollover` out of the old block into the transit account, and from it
 * into the new block), the rest expires as a `forfeited` expiry, and the old
 * block's expiry is marked booked so the ordinary expiry skips it. Runs
 * under the organization lock; booking marks the block, so it happens once.
 * Returns the number of blocks settled.
 */
export async function bookDueRollovers(ctx: AppContext, tx: Q, orgId: string, now: Date): Promise<number> {
  const due = await findDueRolloverBlocks(tx, orgId, now);
  if (due.length === 0) return 0;
  const org = await findOrg(tx, orgId);
  if (!org) return 0;
  const batch = new LedgerBatch(org.id, now);
  const settled: { id: string; forfeited: bigint; rolled: bigint; grantId: string; rolloverGrantId: string | null }[] = [];
  for (const block of due) {
    const rule = block.rollover;
    const rolled = rolloverAmount(block.remaining, block.amount, {
      maxAmount: rule.max_amount === null ? null : BigInt(rule.max_amount),
      maxPercent: rule.max_percent,
    });
    const forfeited = block.remaining - rolled;
    const at = bookingTime(block.expiresAt, now, org.timezone);
    let rolloverGrantId: string | null = null;
    if (rolled > 0n) {
      const expiresAt = rolloverExpiry(
        { anchor: block.anchor, cadence: block.cadence, endsAt: block.endsAt },
        org.timezone,
        block.expiresAt,
        rule.expires_after,
      );
      const booked = await insertRolloverGrant(
        tx,
        org.id,
        {
          name: `${block.scheduleName} (rolled over)`,
          source: block.source,
          priority: rule.priority ?? block.priority,
          metadata: { schedule_id: block.scheduleId, rolled_over_from: block.grantId },
          amount: rolled,
          startsAt: block.expiresAt,
          expiresAt,
        },
        now,
      );
      rolloverGrantId = booked.grantId;
      const newBlockId = booked.blockId;
      const common = { type: 'rollover' as const, amount: rolled, occurredAt: at, ref: block.grantId, actor: null };
      batch.move({ ...common, from: blockAccount(block.id), to: ROLLOVER_ACCOUNT, blockId: block.id, blockBalanceAfter: forfeited, grantId: block.grantId });
      batch.move({ ...common, from: ROLLOVER_ACCOUNT, to: blockAccount(newBlockId), blockId: newBlockId, blockBalanceAfter: rolled, grantId: rolloverGrantId });
    }
    if (forfeited > 0n) {
      batch.move({
        type: 'expiry',
        amount: forfeited,
        from: blockAccount(block.id),
        to: 'expired',
        blockId: block.id,
        blockBalanceAfter: 0n,
        grantId: block.grantId,
        occurredAt: at,
        ref: 'forfeited',
      });
    }
    settled.push({ id: block.id, forfeited, rolled, grantId: block.grantId, rolloverGrantId });
  }
  await batch.flush(tx);
  for (const s of settled) {
    await markBlockRolledOver(tx, org.id, { blockId: s.id, grantId: s.grantId, forfeited: s.forfeited, rolloverGrantId: s.rolloverGrantId }, now);
    await recordIssueRollover(tx, org.id, s.grantId, s.rolled, s.rolloverGrantId);
  }
  for (const s of settled) {
    if (s.rolloverGrantId) {
      const view = await loadGrantView(tx, org.id, s.rolloverGrantId, now);
      await emitDomainEvent(ctx.hooks, { tx, orgId: org.id, now, type: 'grant.created', data: { grant: view } });
    }
    await recordAudit(tx, {
      orgId: org.id,
      actor: ROLLOVER_ACTOR,
      action: 'grant.rollover',
      target: s.grantId,
      after: { rolled_over: formatMicro(s.rolled), forfeited: formatMicro(s.forfeited), rollover_grant_id: s.rolloverGrantId },
      at: now,
    });
  }
  for (const grantId of new Set(settled.map((s) => s.grantId))) {
    await emitDomainEvent(ctx.hooks, { tx, orgId: org.id, now, type: 'grant.expired', data: { grant_id: grantId } });
  }
  return settled.length;
}
