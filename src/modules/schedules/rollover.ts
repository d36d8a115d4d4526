import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows, type Q } from '../../db/client.js';
import { blocks as blocksTable, grants as grantsTable, type StoredRollover } from '../../db/schema/index.js';
import type { Cadence } from '../../domain/cycles.js';
import { newId } from '../../ids.js';
import { rolloverAmount, rolloverExpiry } from '../../domain/schedules.js';
import { formatMicro } from '../../domain/money.js';
import { bookingTime } from '../../domain/time.js';
import { recordAudit } from '../audit/index.js';
import { loadGrantView } from '../grants/index.js';
import { blockAccount, emitDomainEvent, LedgerBatch } from '../ledger/index.js';
import { findOrg } from '../orgs/index.js';

/** The audit actor of rollovers (they happen at expiry, whichever job books it). */
export const ROLLOVER_ACTOR = 'system:scheduler';

/** The transit account of rollover entries: every rollover puts in what it takes out, so it stays at zero. */
export const ROLLOVER_ACCOUNT = 'rollover';

interface DueBlock {
  id: string;
  grantId: string;
  amount: bigint;
  remaining: bigint;
  expiresAt: Date;
  scheduleId: string;
  scheduleName: string;
  source: 'included' | 'purchased' | 'promotional' | 'adjustment';
  priority: number;
  cadence: Cadence;
  anchor: Date;
  endsAt: Date | null;
  rollover: StoredRollover;
}

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
  const due = (
    await rows<Record<string, unknown>>(
      tx,
      sql`select b.id, b.grant_id, b.amount, b.remaining, b.expires_at, s.id as schedule_id, s.name, s.source, s.priority,
            s.cadence, s.anchor, s.ends_at, s.rollover
          from blocks b
          join grant_schedule_issues i on i.org_id = b.org_id and i.grant_id = b.grant_id
          join grant_schedules s on s.org_id = i.org_id and s.id = i.schedule_id
          where b.org_id = ${orgId} and b.expiry_booked_at is null and b.expires_at <= ${now.toISOString()}::timestamptz
            and s.rollover is not null
          order by b.seq`,
    )
  ).map(
    (r): DueBlock => ({
      id: String(r.id),
      grantId: String(r.grant_id),
      amount: BigInt(r.amount as string),
      remaining: BigInt(r.remaining as string),
      expiresAt: new Date(r.expires_at as string),
      scheduleId: String(r.schedule_id),
      scheduleName: String(r.name),
      source: r.source as DueBlock['source'],
      priority: Number(r.priority),
      cadence: r.cadence as Cadence,
      anchor: new Date(r.anchor as string),
      endsAt: r.ends_at === null ? null : new Date(r.ends_at as string),
      rollover: (typeof r.rollover === 'string' ? JSON.parse(r.rollover) : r.rollover) as StoredRollover,
    }),
  );
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
      rolloverGrantId = newId('grt', now.getTime());
      const newBlockId = newId('blk', now.getTime());
      await tx.insert(grantsTable).values({
        orgId: org.id,
        id: rolloverGrantId,
        name: `${block.scheduleName} (rolled over)`,
        source: block.source,
        priority: rule.priority ?? block.priority,
        metadata: { schedule_id: block.scheduleId, rolled_over_from: block.grantId },
        createdAt: now,
      });
      const expiresAt = rolloverExpiry(
        { anchor: block.anchor, cadence: block.cadence, endsAt: block.endsAt },
        org.timezone,
        block.expiresAt,
        rule.expires_after,
      );
      await tx.insert(blocksTable).values({
        orgId: org.id,
        id: newBlockId,
        grantId: rolloverGrantId,
        amount: rolled,
        remaining: 0n,
        startsAt: block.expiresAt,
        expiresAt,
      });
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
    await tx.execute(sql`update blocks set expiry_booked_at = ${now.toISOString()}::timestamptz,
        expired_amount = expired_amount + ${s.forfeited.toString()}::bigint
      where org_id = ${org.id} and id = ${s.id}`);
    if (s.rolloverGrantId) {
      // The expired grant names where its credit went, as the new one names where it came from.
      await tx.execute(sql`update grants set metadata = metadata || jsonb_build_object('rolled_over_into', ${s.rolloverGrantId}::text)
        where org_id = ${org.id} and id = ${s.grantId}`);
    }
    await tx.execute(sql`update grant_schedule_issues set rolled_over = coalesce(rolled_over, 0) + ${s.rolled.toString()}::bigint,
        rollover_grant_id = coalesce(rollover_grant_id, ${s.rolloverGrantId})
      where org_id = ${org.id} and grant_id = ${s.grantId}`);
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
