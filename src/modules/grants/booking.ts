/**
 * Booking a grant: its row, its blocks (one per disbursement) and the
 * entries that put credit into them, now or when its payment arrives.
 */

import type { Q } from '../../db/client.js';
import { normalizeAppliesTo, type AppliesTo } from '../../domain/appliesTo.js';
import { newId } from '../../ids.js';
import { bookingTime } from '../../domain/time.js';
import { TallyError } from '../../errors.js';
import { blockAccount, LedgerBatch } from '../ledger/index.js';
import { effectiveMeters } from '../meters/index.js';
import type { OrgRow } from '../orgs/index.js';
import {
  findBlocks,
  findGrants,
  insertBlocks,
  insertGrantRow,
  markExpiryBooked,
  markGrantPaid,
  markGrantVoided,
  noteRolledOverInto,
  type GrantRow,
  type NewBlock,
} from './queries.js';
import { settleOverage } from './settlement.js';

export type GrantSource = GrantRow['source'];

export interface Disbursement {
  amount: bigint;
  startsAt?: Date | undefined;
  expiresAt?: Date | null | undefined;
}

export interface CreateGrantInput {
  name: string;
  source: GrantSource;
  priority?: number | undefined;
  amount?: bigint | undefined;
  startsAt?: Date | undefined;
  expiresAt?: Date | null | undefined;
  disbursements?: Disbursement[] | undefined;
  metadata?: Record<string, unknown> | undefined;
  /** the usage the grant's blocks may pay for (SPEC §3.16); omitted = all usage */
  appliesTo?: AppliesTo | undefined;
  /** a purchase waiting for its payment (SPEC §3.11) */
  pendingPayment?: boolean | undefined;
}

interface Block {
  amount: bigint;
  startsAt: Date;
  expiresAt: Date | null;
}

function disbursementsOf(input: CreateGrantInput, now: Date): Block[] {
  const given = input.disbursements ?? [];
  if (input.amount !== undefined && given.length > 0) {
    throw new TallyError('invalid_request', 'Give either "amount" or "disbursements", not both.');
  }
  const list: Disbursement[] =
    input.amount !== undefined ? [{ amount: input.amount, startsAt: input.startsAt, expiresAt: input.expiresAt }] : given;
  if (list.length === 0) throw new TallyError('invalid_request', 'A grant needs an "amount" or at least one disbursement.');
  return list.map((d, i) => {
    const startsAt = d.startsAt ?? now;
    const expiresAt = d.expiresAt ?? null;
    if (expiresAt && expiresAt <= startsAt) {
      throw new TallyError('invalid_request', `Disbursement ${i + 1} expires before it starts.`);
    }
    return { amount: d.amount, startsAt, expiresAt };
  });
}

/** A grant's scope, checked against the meters and categories the organization rates with. */
async function validAppliesTo(q: Q, orgId: string, given: AppliesTo | undefined): Promise<AppliesTo | null> {
  const appliesTo = normalizeAppliesTo(given);
  if (!appliesTo) return null;
  const meters = await effectiveMeters(q, orgId);
  const unknownMeter = appliesTo.meters?.find((m) => !meters.has(m));
  if (unknownMeter !== undefined) {
    throw new TallyError('unknown_meter', `"applies_to" names the meter "${unknownMeter}", which does not exist.`);
  }
  const categories = new Set([...meters.values()].map((m) => m.category));
  const unknownCategory = appliesTo.categories?.find((c) => !categories.has(c));
  if (unknownCategory !== undefined) {
    throw new TallyError('invalid_request', `"applies_to" names the category "${unknownCategory}", which no meter has.`);
  }
  return appliesTo;
}

/**
 * Writes a grant, its blocks and their `grant` entries inside a transaction
 * that holds the organization lock. Other modules (purchases) call this.
 */
export async function insertGrant(
  tx: Q,
  org: OrgRow,
  input: CreateGrantInput,
  now: Date,
  actor: string | null,
): Promise<string> {
  const list = disbursementsOf(input, now);
  const appliesTo = await validAppliesTo(tx, org.id, input.appliesTo);
  const grantId = newId('grt', now.getTime());
  await insertGrantRow(tx, org.id, {
    id: grantId,
    name: input.name,
    source: input.source,
    priority: input.priority ?? 50,
    metadata: input.metadata ?? {},
    appliesTo,
    pendingPayment: input.pendingPayment ?? false,
    createdAt: now,
  });
  const pending = input.pendingPayment ?? false;
  const blockRows: NewBlock[] = list.map((d) => ({
    id: newId('blk', now.getTime()),
    grantId,
    amount: d.amount,
    // Credit waiting for its payment is not the organization's yet: no entry, nothing in the block.
    remaining: pending ? 0n : d.amount,
    startsAt: d.startsAt,
    expiresAt: d.expiresAt,
  }));
  await insertBlocks(tx, org.id, blockRows);
  if (pending) return grantId;
  await bookGrantEntries(tx, org, input.source, grantId, blockRows, now, actor, null);
  await settleOverage(tx, org, now, actor);
  return grantId;
}

/**
 * The `grant` entries that put each block's credit into it, booked when the
 * block starts, or when its payment arrived if that was later.
 */
async function bookGrantEntries(
  tx: Q,
  org: OrgRow,
  source: GrantSource,
  grantId: string,
  blocks: { id: string; amount: bigint; startsAt: Date }[],
  now: Date,
  actor: string | null,
  paidAt: Date | null,
): Promise<void> {
  const batch = new LedgerBatch(org.id, now);
  for (const b of blocks) {
    batch.move({
      type: source === 'adjustment' ? 'adjustment' : 'grant',
      amount: b.amount,
      from: 'issued',
      to: blockAccount(b.id),
      blockId: b.id,
      blockBalanceAfter: b.amount,
      grantId,
      occurredAt: bookingTime(paidAt && paidAt > b.startsAt ? paidAt : b.startsAt, now, org.timezone),
      ref: source,
      actor,
    });
  }
  await batch.flush(tx);
}

/**
 * The grant a scheduled grant's unused credit rolls over into (issue 15): its
 * row and one empty block, which the caller's `rollover` entries fill.
 */
export async function insertRolloverGrant(
  tx: Q,
  orgId: string,
  g: Pick<GrantRow, 'name' | 'source' | 'priority' | 'metadata'> & { amount: bigint; startsAt: Date; expiresAt: Date | null },
  now: Date,
): Promise<{ grantId: string; blockId: string }> {
  const grantId = newId('grt', now.getTime());
  const blockId = newId('blk', now.getTime());
  const { name, source, priority, metadata } = g;
  await insertGrantRow(tx, orgId, { id: grantId, name, source, priority, metadata, appliesTo: null, pendingPayment: false, createdAt: now });
  await insertBlocks(tx, orgId, [{ id: blockId, grantId, amount: g.amount, remaining: 0n, startsAt: g.startsAt, expiresAt: g.expiresAt }]);
  return { grantId, blockId };
}

/**
 * A purchased grant's payment arrived: its credit enters the ledger now and
 * repays outstanding overage first (SPEC §3.11).
 */
/**
 * An expired block settled by a rollover, after the caller's entries moved its credit: the block's expiry is booked with
 * what it forfeited, and its grant names the grant its unused credit rolled into (as the new grant names where it came from).
 */
export async function markBlockRolledOver(
  tx: Q,
  orgId: string,
  b: { blockId: string; grantId: string; forfeited: bigint; rolloverGrantId: string | null },
  now: Date,
): Promise<void> {
  await markExpiryBooked(tx, orgId, b.blockId, b.forfeited, now);
  if (b.rolloverGrantId) await noteRolledOverInto(tx, orgId, b.grantId, b.rolloverGrantId);
}

export async function releasePendingGrant(tx: Q, org: OrgRow, grantId: string, now: Date, actor: string): Promise<bigint> {
  const [grant] = await findGrants(tx, org.id, [grantId]);
  if (!grant?.pendingPayment) return 0n;
  await markGrantPaid(tx, org.id, grantId);
  await bookGrantEntries(tx, org, grant.source, grantId, await findBlocks(tx, org.id, [grantId]), now, actor, now);
  return settleOverage(tx, org, now, actor);
}

/**
 * The payment of a pending grant failed: its credit moves to `voided` (so the
 * ledger still shows it was never spendable) and the grant is voided.
 */
export async function voidPendingGrant(tx: Q, orgId: string, grantId: string, now: Date, actor: string): Promise<void> {
  const blocks = await findBlocks(tx, orgId, [grantId]);
  const batch = new LedgerBatch(orgId, now);
  for (const b of blocks) {
    if (b.remaining === 0n) continue;
    batch.move({
      type: 'void',
      amount: b.remaining,
      from: blockAccount(b.id),
      to: 'voided',
      blockId: b.id,
      blockBalanceAfter: 0n,
      grantId,
      occurredAt: now,
      ref: 'payment_failed',
      actor,
    });
  }
  await batch.flush(tx);
  await markGrantVoided(tx, orgId, grantId, now);
}
