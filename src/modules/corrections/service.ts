import { creditsText } from '../../domain/display.js';
import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { once, requestHash } from '../../db/idempotency.js';
import { newId } from '../../ids.js';
import { formatMicro, MAX_AMOUNT_MICRO } from '../../domain/money.js';
import { rate } from '../../domain/rating.js';
import { bookingAt, DAY_MS, localDate, periodContaining } from '../../domain/time.js';
import { TallyError } from '../../errors.js';
import { addCycleUsage, ensureCycle } from '../allocations/index.js';
import { recordAudit } from '../audit/index.js';
import { amendEvent, eventView, findEvent, removeFromRollups, rollupWrites, voidEvent, type RatedEvent, type StoredEvent as EventRow } from '../events/index.js';
import {
  accountBalance,
  blockAccount,
  blocksForUsage,
  bookUsage,
  findBlockStandings,
  findEventEntries,
  findOverageRepayers,
  LedgerBatch,
  runBalanceChanged,
  runUsageRecorded,
  type Entry,
} from '../ledger/index.js';
import type { MeterIdentity } from '../../domain/appliesTo.js';
import { recordCapUsage } from '../caps/index.js';
import { effectiveMeters } from '../meters/index.js';
import { lockOrg, type OrgRow } from '../orgs/index.js';
import { findClosedPeriodCorrections, findCorrections, findIngestedTimestamp, insertCorrection, type CorrectionRow } from './queries.js';

/** Events may be a little ahead of our clock (clock skew), never more: as at ingest. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/** The billable fields an amend may change; omitted fields keep their value, null clears an optional one. */
export interface AmendFields {
  quantity?: bigint | undefined;
  meter?: string | undefined;
  resource_class?: string | null | undefined;
  user?: string | null | undefined;
  project?: string | null | undefined;
  timestamp?: Date | undefined;
}

export type CorrectionRequest = { kind: 'void' } | { kind: 'amend'; fields: AmendFields };

/** The corrections of some events, oldest first, keyed by event id. */
export async function correctionsOf(q: Q, orgId: string, eventIds: string[]): Promise<Map<string, CorrectionRow[]>> {
  const out = new Map<string, CorrectionRow[]>();
  if (eventIds.length === 0) return out;
  for (const c of await findCorrections(q, orgId, eventIds)) {
    const list = out.get(c.eventId) ?? [];
    list.push(c);
    out.set(c.eventId, list);
  }
  return out;
}

export function correctionView(c: CorrectionRow) {
  return {
    kind: c.kind,
    at: c.at.toISOString(),
    actor: c.actor,
    before: c.before,
    after: c.after,
    /** the open period the correction was booked in */
    booked_in_period: c.period,
    original_day: c.originalDay,
    /** the original usage lay in a closed period: booked as an adjustment in `booked_in_period` */
    closed_period: c.closed,
  };
}

/** An event as the API shows it: its current figures, status and history of corrections. */
export function correctedEventView(e: EventRow, history: CorrectionRow[]) {
  return { ...eventView(e), status: e.status, corrections: history.map(correctionView) };
}

/** The billable fields of an event, as the history records them. */
function billable(e: Pick<EventRow, 'meter' | 'quantity' | 'timestamp' | 'userId' | 'project' | 'resourceClass' | 'costCredits' | 'costUsd' | 'overage'>) {
  return {
    meter: e.meter,
    quantity: formatMicro(e.quantity),
    timestamp: e.timestamp.toISOString(),
    user: e.userId,
    project: e.project,
    resource_class: e.resourceClass,
    cost_credits: formatMicro(e.costCredits),
    cost_usd: e.costUsd === null ? null : formatMicro(e.costUsd),
    overage: formatMicro(e.overage),
  };
}

const rated = (e: EventRow, bookedAt: Date): RatedEvent => ({
  id: e.id,
  meter: e.meter,
  quantity: e.quantity,
  bookedAt,
  userId: e.userId,
  project: e.project,
  resourceClass: e.resourceClass,
  jobId: e.jobId,
  jobName: e.jobName,
  credits: e.costCredits,
  usd: e.costUsd,
  at: e.timestamp,
  apiKeyId: e.apiKeyId,
});

interface BlockState {
  id: string;
  grantId: string;
  remaining: bigint;
  /** where credit returned to this block goes: the block itself, or `expired`/`voided` when it can no longer pay */
  sink: 'block' | 'expired' | 'voided';
}

async function blockStates(tx: Q, orgId: string, ids: string[], now: Date): Promise<Map<string, BlockState>> {
  if (ids.length === 0) return new Map();
  const found = await findBlockStandings(tx, orgId, ids, now);
  return new Map(
    found.map((b) => [b.id, { id: b.id, grantId: b.grantId, remaining: b.remaining, sink: b.voided ? 'voided' : b.expired ? 'expired' : 'block' }]),
  );
}

/**
 * Writes the entries that undo what an event's usage took (SPEC §3.14). What
 * each source still holds of the event is read from the event's own entries
 * (usage minus earlier reversals), and returned newest draw first, i.e. in
 * reverse draw-down order: to the block that paid it while that block can
 * still pay; to `expired` when it has since expired (to `voided` when its
 * grant was voided), so no block comes back to life; to `overage` for the
 * part no block paid. Overage that other credit has meanwhile repaid would
 * leave the overage account in credit: that excess goes back to the blocks
 * that repaid it, newest repayment first (or to expired/voided likewise).
 * The usage of an event first booked in a closed period is undone in the
 * open period as an `adjustment` naming the original date (ref
 * `correction:YYYY-MM-DD`).
 */
async function reverseUsage(
  tx: Q,
  org: OrgRow,
  now: Date,
  eventId: string,
  actor: string,
  original: { day: string; closed: boolean },
): Promise<bigint> {
  const entries = await findEventEntries(tx, org.id, eventId);
  const held = new Map<string, { amount: bigint; last: bigint; at: Date }>();
  const credit = (source: string, amount: bigint, id: bigint, at: Date) => {
    const s = held.get(source) ?? { amount: 0n, last: 0n, at };
    s.amount += amount;
    if (amount > 0n) {
      s.last = id;
      s.at = at;
    }
    held.set(source, s);
  };
  for (const { amount, id, occurredAt: at, ...e } of entries) {
    if (e.to === 'consumed' && e.from === 'overage') credit('overage', amount, id, at);
    else if (e.to === 'consumed' && e.blockId) credit(e.blockId, amount, id, at);
    else if (e.from === 'consumed' && e.to === 'overage') credit('overage', -amount, id, at);
    else if (e.from === 'consumed' && e.blockId) credit(e.blockId, -amount, id, at);
  }
  const sources = [...held].filter(([, s]) => s.amount > 0n).sort(([, a], [, b]) => (a.last > b.last ? -1 : 1));
  const overageReturned = held.get('overage')?.amount ?? 0n;
  const owed = -(await accountBalance(tx, org.id, 'overage'));
  const excess = overageReturned > 0n && overageReturned > owed ? overageReturned - (owed > 0n ? owed : 0n) : 0n;
  const repayers = excess > 0n ? await findOverageRepayers(tx, org.id) : [];
  const blocks = await blockStates(
    tx,
    org.id,
    [...new Set([...sources.map(([s]) => s).filter((s) => s !== 'overage'), ...repayers.map((r) => r.blockId)])],
    now,
  );
  const booked = bookingAt(now, org.timezone);
  const batch = new LedgerBatch(org.id, now);
  const into = (block: BlockState, amount: bigint): Pick<Entry, 'to' | 'blockId' | 'blockBalanceAfter' | 'grantId'> => {
    if (block.sink !== 'block') return { to: block.sink, blockId: block.id, grantId: block.grantId };
    block.remaining += amount;
    return { to: blockAccount(block.id), blockId: block.id, blockBalanceAfter: block.remaining, grantId: block.grantId };
  };
  let returned = 0n;
  for (const [source, s] of sources) {
    const common = {
      type: original.closed ? ('adjustment' as const) : ('reversal' as const),
      amount: s.amount,
      from: 'consumed',
      occurredAt: booked(s.at),
      eventId,
      ref: original.closed ? `correction:${original.day}` : 'correction',
      actor,
    };
    returned += s.amount;
    if (source === 'overage') batch.move({ ...common, to: 'overage' });
    else batch.move({ ...common, ...into(blocks.get(source)!, s.amount) });
  }
  let due = excess;
  for (const r of repayers) {
    if (due === 0n) break;
    const amount = r.net < due ? r.net : due;
    due -= amount;
    batch.move({ type: 'reversal', amount, from: 'overage', ...into(blocks.get(r.blockId)!, amount), occurredAt: now, eventId, ref: 'overage_returned', actor });
  }
  await batch.flush(tx);
  return returned;
}

export interface CorrectionOutcome {
  changed: boolean;
  event: ReturnType<typeof correctedEventView>;
}

/**
 * Voids or amends one event inside a transaction holding the organization
 * lock. Naturally idempotent: voiding a voided event, or amending an event to
 * the values it already has, changes nothing and answers `changed: false`.
 */
export async function correctInTx(
  ctx: AppContext,
  tx: Q,
  org: OrgRow,
  now: Date,
  eventId: string,
  request: CorrectionRequest,
  actor: string,
): Promise<CorrectionOutcome> {
  const event = await findEvent(tx, org.id, eventId, true);
  if (!event) throw new TallyError('not_found', `No event with id "${eventId}" exists in this organization.`);
  const answer = async (changed: boolean, e: EventRow) => ({
    changed,
    event: correctedEventView(e, (await correctionsOf(tx, org.id, [e.id])).get(e.id) ?? []),
  });
  if (event.status === 'voided') {
    if (request.kind === 'void') return answer(false, event);
    throw new TallyError('already_voided', `Event "${eventId}" is voided; a voided event cannot be amended.`);
  }
  const oldest = now.getTime() - org.graceDays * DAY_MS;
  if (event.timestamp.getTime() < oldest) {
    throw new TallyError(
      'outside_grace_window',
      `Event "${eventId}" is older than the organization's ${org.graceDays}-day grace window, so it can no longer be ${request.kind === 'void' ? 'voided' : 'amended'}.`,
    );
  }
  let next: EventRow | null = null;
  let nextMeter: MeterIdentity | null = null;
  if (request.kind === 'amend') {
    const f = request.fields;
    const candidate: EventRow = {
      ...event,
      meter: f.meter ?? event.meter,
      quantity: f.quantity ?? event.quantity,
      timestamp: f.timestamp ?? event.timestamp,
      userId: f.user === undefined ? event.userId : f.user,
      project: f.project === undefined ? event.project : f.project,
      resourceClass: f.resource_class === undefined ? event.resourceClass : f.resource_class,
    };
    const same =
      candidate.meter === event.meter &&
      candidate.quantity === event.quantity &&
      candidate.timestamp.getTime() === event.timestamp.getTime() &&
      candidate.userId === event.userId &&
      candidate.project === event.project &&
      candidate.resourceClass === event.resourceClass;
    if (same) return answer(false, event);
    const t = candidate.timestamp.getTime();
    if (t < oldest) {
      throw new TallyError('outside_grace_window', `The new timestamp is older than the ${org.graceDays}-day grace window.`);
    }
    if (t > now.getTime() + FUTURE_TOLERANCE_MS) {
      throw new TallyError('timestamp_in_future', 'The new timestamp is more than 5 minutes in the future.');
    }
    const meter = (await effectiveMeters(tx, org.id)).get(candidate.meter);
    if (!meter) throw new TallyError('unknown_meter', `No meter "${candidate.meter}" is defined for this organization.`);
    const cost = rate(meter, candidate.quantity, candidate.resourceClass, org.creditFactor);
    if (cost.credits > MAX_AMOUNT_MICRO || (cost.usd ?? 0n) > MAX_AMOUNT_MICRO) {
      throw new TallyError('invalid_amount', `The amended event would cost more than ${creditsText(MAX_AMOUNT_MICRO)} credits or dollars, the largest amount Tally records.`);
    }
    next = { ...candidate, costCredits: cost.credits, costUsd: cost.usd, overage: 0n, status: 'amended' };
    nextMeter = { key: candidate.meter, category: meter.category };
  }

  const booked = bookingAt(now, org.timezone);
  const openStart = periodContaining(now, org.timezone).startsAt;
  // The event as first ingested (an earlier amend may have moved its timestamp): its usage was
  // booked in a closed period when that booking falls before the open period. Such an event's
  // corrections are adjustments (and the invoice's Corrections lines); a late event booked into
  // the open period is corrected like any open-period event.
  const originalAt = (await findIngestedTimestamp(tx, org.id, eventId)) ?? event.timestamp;
  const original = {
    day: localDate(originalAt, org.timezone),
    closed: bookingAt(event.recordedAt, org.timezone)(originalAt) < openStart,
  };
  // 1. undo the old rating: ledger, rollups, cycle usage (in the cycle the usage was counted in)
  // and the spend-cap counters of the windows open now.
  await reverseUsage(tx, org, now, eventId, actor, original);
  const undone = rated(event, booked(event.timestamp));
  await recordCapUsage(
    tx,
    org,
    [{ at: event.timestamp, credits: -event.costCredits, userId: event.userId, project: event.project, apiKeyId: event.apiKeyId, meter: event.meter }],
    now,
  );
  await removeFromRollups(tx, org.id, org.timezone, undone);
  if (event.costCredits > 0n) {
    await ensureCycle(tx, org, now);
    const countedAt = bookingAt(event.recordedAt, org.timezone)(event.timestamp);
    await addCycleUsage(tx, org.id, now, [{ userId: event.userId, at: countedAt, credits: -event.costCredits }]);
  }
  // 2. an amend books the new rating exactly as ingest books an event (bookUsage)
  if (next) {
    if (next.costCredits > 0n) {
      const batch = new LedgerBatch(org.id, now);
      const blocks = await blocksForUsage(tx, batch, now, actor);
      const firstEntry = batch.entries.length;
      next.overage = bookUsage(batch, blocks, { cost: next.costCredits, at: next.timestamp, now, booked, eventId, actor, meter: nextMeter });
      if (original.closed) {
        // the whole correction of a closed period's event is an adjustment naming the original date
        for (const e of batch.entries.slice(firstEntry)) {
          e.type = 'adjustment';
          e.ref = `correction:${original.day}`;
        }
      }
      await batch.flush(tx);
    }
    const r = rated(next, booked(next.timestamp));
    await runUsageRecorded(ctx.hooks, { tx, org, now, events: [r] }, rollupWrites([{ orgId: org.id, zone: org.timezone, events: [r] }]));
    await amendEvent(tx, org.id, next);
  } else {
    await voidEvent(tx, org.id, eventId);
  }

  // 3. history, audit, and the balance hooks (daily ledger fold, alerts)
  const parts = [{ meter: event.meter, resourceClass: event.resourceClass ?? '', events: -1, quantity: -event.quantity, usd: -(event.costUsd ?? 0n) }];
  if (next) parts.push({ meter: next.meter, resourceClass: next.resourceClass ?? '', events: 1, quantity: next.quantity, usd: next.costUsd ?? 0n });
  const before = billable(event);
  const after = next ? billable(next) : null;
  await insertCorrection(tx, org.id, {
    id: newId('cor', now.getTime()),
    eventId,
    kind: request.kind,
    actor,
    at: now,
    before,
    after,
    period: periodContaining(now, org.timezone).key,
    originalDay: original.day,
    closed: original.closed,
    creditsDelta: (next?.costCredits ?? 0n) - event.costCredits,
    usdDelta: (next?.costUsd ?? 0n) - (event.costUsd ?? 0n),
    parts,
  });
  await recordAudit(tx, { orgId: org.id, actor, action: `event.${request.kind}`, target: eventId, before, after, at: now });
  await runBalanceChanged(ctx.hooks, { tx, org, now });
  return answer(true, (await findEvent(tx, org.id, eventId, false))!);
}

/** One correction in its own transaction, replayable with an Idempotency-Key. */
export function correctEvent(args: {
  ctx: AppContext;
  orgId: string;
  eventId: string;
  request: CorrectionRequest;
  actor: string;
  idempotencyKey?: string | undefined;
}) {
  const { ctx, orgId, eventId, request, actor } = args;
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const scope = { orgId, scope: `events.${request.kind}:${eventId}`, key: args.idempotencyKey, hash: requestHash(request), now, statusCode: 200 };
    return once(tx, scope, () => correctInTx(ctx, tx, org, now, eventId, request, actor));
  });
}

export interface InvoiceCorrections {
  /** per meter and resource class: what the period's rollups hold of closed periods' corrections */
  parts: Map<string, { events: number; quantity: bigint; usd: bigint }>;
  lines: { meter: string; description: string; quantity: string; unit: string; unit_price_usd: string; amount_usd: string }[];
}

export const correctionPartKey = (meter: string, resourceClass: string): string => `${meter}\u0000${resourceClass}`;

/**
 * The invoice's credit and debit lines for corrections booked in `period` of
 * usage from closed periods (whose invoices never change): one line per
 * correction, amount = the change of the event's USD cost (negative = credit),
 * quantity = the change of its credits. Their rollup deltas are returned so
 * the meter lines can leave them out (the subtotal is the same either way).
 */
export async function invoiceCorrections(q: Q, orgId: string, period: string): Promise<InvoiceCorrections> {
  const found = await findClosedPeriodCorrections(q, orgId, period);
  const parts: InvoiceCorrections['parts'] = new Map();
  for (const c of found) {
    for (const p of c.parts) {
      const key = correctionPartKey(p.meter, p.resourceClass);
      const s = parts.get(key) ?? { events: 0, quantity: 0n, usd: 0n };
      s.events += p.events;
      s.quantity += p.quantity;
      s.usd += p.usd;
      parts.set(key, s);
    }
  }
  const lines = found.map((c) => ({
    meter: 'correction',
    description: `Correction: event ${c.eventId} of ${c.originalDay} ${c.kind === 'void' ? 'voided' : 'amended'}`,
    quantity: formatMicro(c.creditsDelta),
    unit: 'credits',
    unit_price_usd: '',
    amount_usd: formatMicro(c.usdDelta),
  }));
  return { parts, lines };
}
