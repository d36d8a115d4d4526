import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { once, requestHash } from '../../db/idempotency.js';
import { normalizeAppliesTo, type AppliesTo } from '../../domain/appliesTo.js';
import { groupBy } from '../../domain/group.js';
import { formatMicro } from '../../domain/money.js';
import { localDate } from '../../domain/time.js';
import { grantNotFound, TallyError } from '../../errors.js';
import { recordAudit } from '../audit/index.js';
import { blockAccount, emitDomainEvent, LedgerBatch, runBalanceChanged } from '../ledger/index.js';
import { findOrg, lockOrg, requireOrg } from '../orgs/index.js';
import { insertGrant, type CreateGrantInput } from './booking.js';
import { findBlocks, findGrantLedger, findGrants, findGrantScopes, groupGrantLedger, markGrantVoided } from './queries.js';
import { grantStatus, grantView, type GrantView } from './view.js';

// What other modules use of grants: booking (schedules, purchases, rollovers) and overage settlement (the block-start job).
export { insertGrant, insertRolloverGrant, markBlockRolledOver, releasePendingGrant, voidPendingGrant, type CreateGrantInput, type Disbursement, type GrantSource } from './booking.js';
export { settleOverage } from './settlement.js';

/** Each grant with a scope (SPEC §3.16), by id. */
export async function grantScopes(q: Q, orgId: string): Promise<Map<string, AppliesTo>> {
  const out = new Map<string, AppliesTo>();
  for (const g of await findGrantScopes(q, orgId)) {
    const scope = normalizeAppliesTo(g.appliesTo);
    if (scope) out.set(g.id, scope);
  }
  return out;
}

export async function loadGrantView(q: Q, orgId: string, grantId: string, now: Date): Promise<GrantView> {
  const [grant] = await findGrants(q, orgId, [grantId]);
  if (!grant) throw grantNotFound(grantId);
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
        await markGrantVoided(tx, orgId, grantId, now);
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
        amount: formatMicro(into ? e.amount : -e.amount),
        balance: e.blockBalanceAfter === null ? null : formatMicro(e.blockBalanceAfter),
        block_id: e.blockId,
        counterparty: into ? e.fromAccount : e.toAccount,
        occurred_at: e.occurredAt.toISOString(),
        recorded_at: e.recordedAt.toISOString(),
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
    const org = await requireOrg(q, orgId);
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
