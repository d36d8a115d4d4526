import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { once, requestHash } from '../../db/idempotency.js';
import { blocks as blocksTable, grants as grantsTable } from '../../db/schema/index.js';
import { normalizeAppliesTo, type AppliesTo } from '../../domain/appliesTo.js';
import { newId } from '../../domain/ids.js';
import { groupBy } from '../../domain/group.js';
import { formatMicro } from '../../domain/money.js';
import { bookingTime, localDate } from '../../domain/time.js';
import { TallyError } from '../../http/errors.js';
import { recordAudit } from '../audit/service.js';
import { blockAccount, LedgerBatch } from '../ledger/batch.js';
import { accountBalance, loadSpendableBlocks, repayOverage } from '../ledger/blocks.js';
import { emitDomainEvent, runBalanceChanged } from '../ledger/hooks.js';
import { effectiveMeters } from '../meters/service.js';
import { findOrg, lockOrg, orgNotFound, type OrgRow } from '../orgs/queries.js';
import { findBlocks, findGrantLedger, findGrants, groupGrantLedger, type GrantRow } from './queries.js';
import { grantStatus, grantView, type GrantView } from './view.js';

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
  await tx.insert(grantsTable).values({
    orgId: org.id,
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
  const blockRows = list.map((d) => ({
    orgId: org.id,
    id: newId('blk', now.getTime()),
    grantId,
    amount: d.amount,
    // Credit waiting for its payment is not the organization's yet: no entry, nothing in the block.
    remaining: pending ? 0n : d.amount,
    startsAt: d.startsAt,
    expiresAt: d.expiresAt,
  }));
  await tx.insert(blocksTable).values(blockRows);
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
 * A purchased grant's payment arrived: its credit enters the ledger now and
 * repays outstanding overage first (SPEC §3.11).
 */
export async function releasePendingGrant(tx: Q, org: OrgRow, grantId: string, now: Date, actor: string): Promise<bigint> {
  const [grant] = await findGrants(tx, org.id, [grantId]);
  if (!grant?.pendingPayment) return 0n;
  await tx
    .update(grantsTable)
    .set({ pendingPayment: false })
    .where(and(eq(grantsTable.orgId, org.id), eq(grantsTable.id, grantId)));
  await bookGrantEntries(tx, org, grant.source, grantId, await findBlocks(tx, org.id, [grantId]), now, actor, now);
  return settleOverage(tx, org, now, actor);
}

/** Repays outstanding overage from whatever active credit exists now. */
export async function settleOverage(tx: Q, org: OrgRow, now: Date, actor: string | null): Promise<bigint> {
  const owed = -(await accountBalance(tx, org.id, 'overage'));
  if (owed <= 0n) return 0n;
  const spendable = await loadSpendableBlocks(tx, org.id, now);
  const batch = new LedgerBatch(org.id, now);
  const repaid = repayOverage(batch, owed, spendable, now, bookingTime(now, now, org.timezone), actor);
  await batch.flush(tx);
  return repaid;
}

export async function loadGrantView(q: Q, orgId: string, grantId: string, now: Date): Promise<GrantView> {
  const [grant] = await findGrants(q, orgId, [grantId]);
  if (!grant) throw new TallyError('grant_not_found', `No grant with id "${grantId}" exists in this organization.`);
  return grantView(grant, await findBlocks(q, orgId, [grantId]), now);
}

export async function createGrant(args: {
  ctx: AppContext;
  orgId: string;
  actor: string;
  input: CreateGrantInput;
  idempotencyKey?: string | undefined;
}) {
  const { ctx, orgId, actor, input, idempotencyKey } = args;
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    return once(
      tx,
      { orgId, scope: 'grants.create', key: idempotencyKey, hash: requestHash(input), now, statusCode: 201 },
      async () => {
        const view = await loadGrantView(tx, orgId, await insertGrant(tx, org, input, now, actor), now);
        await emitDomainEvent(ctx.hooks, { tx, orgId, now, type: 'grant.created', data: { grant: view } });
        await recordAudit(tx, { orgId, actor, action: 'grant.create', target: view.id, after: view, at: now });
        await runBalanceChanged(ctx.hooks, { tx, org, now });
        return view;
      },
    );
  });
}

export async function voidGrant(args: {
  ctx: AppContext;
  orgId: string;
  grantId: string;
  actor: string;
  reason?: string | undefined;
  idempotencyKey?: string | undefined;
}) {
  const { ctx, orgId, grantId, actor, idempotencyKey } = args;
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    return once(
      tx,
      { orgId, scope: `grants.void:${grantId}`, key: idempotencyKey, hash: grantId, now, statusCode: 200 },
      async () => {
        const view = await loadGrantView(tx, orgId, grantId, now);
        if (view.status === 'voided') throw new TallyError('already_voided', `Grant "${grantId}" is already voided.`);
        const blocks = await findBlocks(tx, orgId, [grantId]);
        const batch = new LedgerBatch(orgId, now);
        for (const block of blocks) {
          if (block.remaining === 0n) continue;
          batch.move({
            type: 'void',
            amount: block.remaining,
            from: blockAccount(block.id),
            to: 'voided',
            blockId: block.id,
            blockBalanceAfter: 0n,
            grantId,
            occurredAt: now,
            ref: args.reason ?? 'voided',
            actor,
          });
        }
        await batch.flush(tx);
        await tx
          .update(grantsTable)
          .set({ voidedAt: now, pendingPayment: false })
          .where(and(eq(grantsTable.orgId, orgId), eq(grantsTable.id, grantId)));
        await runBalanceChanged(ctx.hooks, { tx, org, now });
        const after = await loadGrantView(tx, orgId, grantId, now);
        await recordAudit(tx, { orgId, actor, action: 'grant.void', target: grantId, before: view, after, at: now });
        return after;
      },
    );
  });
}

export type GrantFilter = 'in_use' | 'pending' | 'expired' | 'all';

const FILTERS: Record<GrantFilter, (status: string) => boolean> = {
  in_use: (s) => s === 'in_use',
  pending: (s) => s === 'pending' || s === 'pending_payment',
  expired: (s) => s === 'expired',
  all: () => true,
};

/**
 * Grants by derived status, newest first. An organization holds tens to
 * hundreds of grants, so the status is derived in memory over all of them.
 */
export async function listGrants(args: {
  ctx: AppContext;
  orgId: string;
  status: GrantFilter;
  before: string | undefined;
  limit: number;
}): Promise<{ data: GrantView[]; next: string | null }> {
  const { ctx, orgId } = args;
  const now = ctx.clock.now();
  const [grants, blocks] = await ctx.db.read(
    async (q) => [await findGrants(q, orgId), await findBlocks(q, orgId)] as const,
  );
  const byGrant = groupBy(blocks, (b) => b.grantId);
  const matching = grants.filter(
    (g) => (args.before === undefined || g.id < args.before) && FILTERS[args.status](grantStatus(g, byGrant.get(g.id) ?? [], now)),
  );
  const data = matching.slice(0, args.limit).map((g) => grantView(g, byGrant.get(g.id) ?? [], now));
  return { data, next: matching.length > args.limit ? data[data.length - 1]!.id : null };
}

export function getGrant({ ctx, orgId, grantId }: { ctx: AppContext; orgId: string; grantId: string }) {
  return ctx.db.read((q) => loadGrantView(q, orgId, grantId, ctx.clock.now()));
}

/** One grant's ledger: every entry on its blocks, signed from the grant's side. */
export async function grantLedger(args: {
  ctx: AppContext;
  orgId: string;
  grantId: string;
  after: bigint | undefined;
  limit: number;
  /** only the entries of this local day (YYYY-MM-DD, the organization's zone): a summary row expanded */
  day?: string | undefined;
}) {
  const { ctx, orgId, grantId } = args;
  return ctx.db.read(async (q) => {
    await loadGrantView(q, orgId, grantId, ctx.clock.now());
    const zone = args.day === undefined ? '' : ((await findOrg(q, orgId))?.timezone ?? 'UTC');
    const day = args.day === undefined ? undefined : { date: args.day, zone };
    const entries = await findGrantLedger(q, orgId, grantId, args.after, args.limit + 1, day);
    const data = entries.slice(0, args.limit).map((e) => {
      const into = e.toAccount.startsWith('block:');
      return {
        id: String(e.id),
        type: e.type,
        amount: formatMicro(into ? BigInt(e.amount) : -BigInt(e.amount)),
        balance: e.blockBalanceAfter === null ? null : formatMicro(BigInt(e.blockBalanceAfter)),
        block_id: e.blockId,
        counterparty: into ? e.fromAccount : e.toAccount,
        occurred_at: new Date(e.occurredAt).toISOString(),
        recorded_at: new Date(e.recordedAt).toISOString(),
        event_id: e.eventId,
        ref: e.ref,
        actor: e.actor,
      };
    });
    return { data, next: entries.length > args.limit ? data[data.length - 1]!.id : null };
  });
}


const SUMMARY_TYPE = {
  grant: 'credits_available',
  usage: 'credit_usage',
  expiry: 'credits_expired',
  void: 'credits_voided',
} as const;

/**
 * A grant's ledger in the shape a reader expects (reference 000): a "Credits
 * available" row per disbursement, one "Credit usage" row per local day with
 * the day's total, the balance after and the last usage time, then expiries
 * and voids, in time order. A disbursement counts from its start: one that
 * starts later is `scheduled`, listed last, and never part of the balance.
 */
export function grantLedgerSummary({ ctx, orgId, grantId }: { ctx: AppContext; orgId: string; grantId: string }) {
  return ctx.db.read(async (q) => {
    const now = ctx.clock.now();
    const org = await findOrg(q, orgId);
    if (!org) throw orgNotFound(orgId);
    const view = await loadGrantView(q, orgId, grantId, now);
    const starts = new Map(view.blocks.map((b) => [b.id, new Date(b.starts_at)]));
    const groups = await groupGrantLedger(q, orgId, grantId, org.timezone);
    const timed = groups.map((g) => {
      const start = g.kind === 'grant' && g.blockId ? starts.get(g.blockId) : undefined;
      const at = start && start > g.last ? start : g.last;
      return { ...g, at, scheduled: g.kind === 'grant' && at > now };
    });
    const released = timed.filter((g) => !g.scheduled).sort((a, b) => a.at.getTime() - b.at.getTime());
    const scheduled = timed.filter((g) => g.scheduled).sort((a, b) => a.at.getTime() - b.at.getTime());
    let balance = 0n;
    const row = (g: (typeof timed)[number], bal: bigint | null) => ({
      type: g.scheduled ? ('scheduled' as const) : SUMMARY_TYPE[g.kind],
      date: localDate(g.at, org.timezone),
      amount: formatMicro(g.amount),
      balance: bal === null ? null : formatMicro(bal),
      at: g.at.toISOString(),
      entries: g.entries,
    });
    const data = released.map((g) => {
      balance += g.amount;
      return row(g, balance);
    });
    return { data: [...data, ...scheduled.map((g) => row(g, null))] };
  });
}
