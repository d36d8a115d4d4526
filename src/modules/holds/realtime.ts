import type { SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { once, requestHash } from '../../db/idempotency.js';
import { writeTogether } from '../../db/together.js';
import { newId } from '../../ids.js';
import { creditsText } from '../../domain/display.js';
import type { Actor } from '../../actor.js';
import { organizationNotFound, TallyError } from '../../errors.js';
import { forbidden, memberOf, scopeAmong } from '../allocations/index.js';
import { type AuditInput, auditWrite } from '../audit/index.js';
import type { TightestLimit } from '../caps/index.js';
import { rollupWrites, type RatedEvent } from '../events/index.js';
import { balanceWritesOf, blocksForUsage, bookUsage, LedgerBatch, runBalanceChanged, runUsageRecorded, type SpendableBlock } from '../ledger/index.js';
import { lockOrgsForUsage, type OrgRow } from '../orgs/index.js';
import { GroupCommit, inOrgGroup, limitsAfterGroup, preloadedOf, reserve } from '../realtime/index.js';
import { decideAdmission } from './admission.js';
import { findHoldsAndLapsed, holdsCapture, holdsInsert, type HoldRow } from './queries.js';
import { admissionStateIn, configWithCycle, holdView, mayActFor, releaseLapsed, subjectOf, type HoldInput, type HoldView } from './service.js';

// Holds and captures are the calls a platform makes around every job, so they are decided in
// memory per group (issue 10): one transaction per group of concurrent calls for an organization
// locks it once, reads its figures once, decides each call in arrival order against figures that
// already count the calls before it, and writes the group's rows set-based. A call refused by its
// own rule is refused alone and changes nothing.

type Outcome<T> = { ok: { value: T; limits: TightestLimit | null | undefined } } | { refused: TallyError };

/** At most this many calls share one transaction. */
const MAX_CALLS = 64;

/** A group's answers, and what is left to do after its commit (a read outside the lock). */
interface Decided<T> {
  outcomes: Outcome<T>[];
  afterCommit?: (q: Q) => Promise<void>;
}

/** The organization as locked, and whether its stored cycle was current then (lockOrgsForUsage). */
interface Locked {
  org: OrgRow;
  cycleCurrent: boolean;
}

function groups<In, T>(run: (ctx: AppContext, tx: Q, locked: Locked, now: Date, calls: In[]) => Promise<Decided<T>>) {
  const byApp = new WeakMap<AppContext, GroupCommit<In, Outcome<T>>>();
  return (ctx: AppContext) => {
    let g = byApp.get(ctx);
    if (!g) {
      g = new GroupCommit<In, Outcome<T>>({
        maxGroup: MAX_CALLS,
        runGroup: async (orgId, _first, join) => {
          const { outcomes, afterCommit } = await ctx.db.transaction(async (tx) => {
            const now = ctx.clock.now();
            const locked = (await lockOrgsForUsage(tx, [orgId], now)).get(orgId);
            if (!locked) throw organizationNotFound(orgId);
            return run(ctx, tx, locked, now, join()); // with the calls that came while the lock was awaited
          });
          if (afterCommit) await ctx.db.read(afterCommit);
          return outcomes;
        },
      });
      byApp.set(ctx, g);
    }
    return g;
  };
}

async function answer<T>(outcome: Promise<Outcome<T>>) {
  const o = await outcome;
  if ('refused' in o) throw o.refused;
  return o.ok;
}

/** Runs `decide` per call; a TallyError is that call's refusal, any other error fails the group. */
async function each<In, T>(calls: In[], decide: (call: In) => Promise<T>): Promise<(T | TallyError)[]> {
  const out: (T | TallyError)[] = [];
  for (const call of calls) {
    try {
      out.push(await decide(call));
    } catch (error) {
      if (!(error instanceof TallyError)) throw error;
      out.push(error);
    }
  }
  return out;
}

// ------------------------------------------------------------------ holds

interface HoldCall {
  actor: Actor;
  input: HoldInput;
}

/**
 * Creates a hold (SPEC §3.7): admission must allow its amount, then the
 * amount moves from `reserved` to `held`. With an Idempotency-Key the call
 * runs on its own in its organization's group (the stored answer is looked up
 * first); without one it joins the in-memory group of holds.
 */
export async function createHold(args: { ctx: AppContext; actor: Actor; orgId: string; input: HoldInput; idempotencyKey?: string | undefined }) {
  const { ctx, actor, orgId, input, idempotencyKey } = args;
  const limitsFor = { memberId: input.memberId, subject: subjectOf(actor, input) };
  if (idempotencyKey) {
    return inOrgGroup(ctx, orgId, async (tx, org) => {
      const now = ctx.clock.now();
      const value = await once(tx, { orgId, scope: 'holds.create', key: idempotencyKey, hash: requestHash(input), now, statusCode: 201 }, async () => {
        const { decided: [decided], writes } = await decideHolds(ctx, tx, org, now, [{ actor, input }]);
        if (decided instanceof TallyError) throw decided;
        await writeTogether(tx, writes);
        return decided!;
      });
      return { value, limitsFor };
    });
  }
  const { value, limits } = await answer(holdGroups(ctx).submit(orgId, { actor, input }));
  return { value: { statusCode: 201, body: value, replayed: false }, limits };
}

const holdGroups = groups<HoldCall, HoldView>(async (ctx, tx, { org }, now, calls) => {
  const { decided, config, figures, writes } = await decideHolds(ctx, tx, org, now, calls);
  // the holds and their audit entries, with the statement fold; a hold moves credit between accounts, never out of a block
  if (decided.some((d) => !(d instanceof TallyError))) await runBalanceChanged(ctx.hooks, { tx, org, now, known: config, emptiedBlock: false }, { alongside: writes });
  // the figures in memory are those after the group's holds: the limit headers need no read
  const wants = calls.map((c, i) => (decided[i] instanceof TallyError ? undefined : { memberId: c.input.memberId, subject: subjectOf(c.actor, c.input) }));
  const limits = await limitsAfterGroup(ctx, tx, org, now, wants, { config, figures });
  return { outcomes: decided.map((d, i) => (d instanceof TallyError ? { refused: d } : { ok: { value: d, limits: limits[i] } })) };
});

/**
 * Decides and writes the holds of one group. Each decision sees the holds
 * decided before it (the figures are reserved in memory). A block spend cap
 * counts open holds from the table, so with one the holds are written one by
 * one, each before the next decision.
 */
async function decideHolds(ctx: AppContext, tx: Q, org: OrgRow, now: Date, calls: HoldCall[]) {
  const { config, figures } = await admissionStateIn(ctx, tx, org, now);
  const read = { balance: figures.balance, preloaded: preloadedOf(config, figures) };
  const writeEach = config.caps.some((c) => c.mode === 'block');
  const pending: HoldRow[] = [];
  const decided = await each(calls, async ({ actor, input }) => {
    if (input.expiresAt && input.expiresAt <= now) throw new TallyError('invalid_request', 'expires_at must be in the future.');
    const member = memberOf(figures.state, input.memberId);
    if (!mayActFor(await scopeAmong(actor, config.members), member)) throw forbidden('hold credits for this member');
    const subject = subjectOf(actor, input);
    const a = await decideAdmission(ctx, tx, figures.state, member, input.amount, now, { read, subject });
    if (!a.allowed) {
      throw new TallyError('insufficient_credits', `The hold is refused: ${a.message}`, { limited_by: a.limited_by, remaining: a.remaining, ...(a.details ?? {}) });
    }
    const hold: HoldRow = {
      id: newId('hld', now.getTime()),
      memberId: member.id,
      amount: input.amount,
      capturedAmount: null,
      jobId: input.jobId ?? null,
      status: 'open',
      expiresAt: input.expiresAt ?? null,
      createdAt: now,
      closedAt: null,
      actor: actor.label,
      project: subject.project ?? null,
      apiKeyId: subject.apiKeyId ?? null,
    };
    reserve(figures, member.id, hold.amount);
    pending.push(hold);
    if (writeEach) await writeTogether(tx, await holdWrites(tx, org.id, now, pending.splice(0)));
    return holdView(hold, now);
  });
  // the last holds' own writes are left to the caller, to send with its last statement
  return { decided, config, figures, writes: await holdWrites(tx, org.id, now, pending) };
}

/** Writes the holds' ledger entries, and returns the writes of the holds and their audit entries (one statement). */
async function holdWrites(tx: Q, orgId: string, now: Date, holds: HoldRow[]): Promise<(SQL | undefined)[]> {
  if (holds.length === 0) return [];
  const batch = new LedgerBatch(orgId, now);
  for (const h of holds) batch.move({ type: 'hold', amount: h.amount, from: 'reserved', to: 'held', occurredAt: now, ref: `hold:${h.id}`, actor: h.actor });
  await batch.flush(tx);
  const audits = holds.map((h) => ({ orgId, actor: h.actor, action: 'hold.create', target: h.id, after: holdView(h, now), at: now }));
  return [holdsInsert(orgId, holds), auditWrite(audits)];
}

// --------------------------------------------------------------- captures

interface CaptureCall {
  actor: Actor;
  holdId: string;
  amount: bigint;
}

/**
 * Turns a hold into usage: the whole reservation goes back (`hold_capture`),
 * then the captured amount is drawn down like usage (overage when no block
 * pays it) and counted for the member, their group and the cycle.
 */
export function captureHold(args: { ctx: AppContext; actor: Actor; orgId: string; holdId: string; amount: bigint }) {
  const { ctx, actor, orgId, holdId, amount } = args;
  return answer(captureGroups(ctx).submit(orgId, { actor, holdId, amount }));
}

const captureGroups = groups<CaptureCall, HoldView>(async (ctx, tx, { org, cycleCurrent }, now, calls) => {
  // one read: the holds named and the lapsed ones, released first (a lapsed hold named is then expired)
  const { byId: holds, lapsed } = await findHoldsAndLapsed(tx, org.id, [...new Set(calls.map((c) => c.holdId))], now);
  await releaseLapsed(tx, org, now, lapsed);
  for (const h of lapsed) {
    const named = holds.get(h.id);
    if (named) Object.assign(named, { status: 'expired', closedAt: now });
  }
  const { config, settings } = await configWithCycle(ctx, tx, org, now, cycleCurrent);
  const batch = new LedgerBatch(org.id, now);
  let blocks: SpendableBlock[] | undefined;
  const captured: { hold: HoldRow; amount: bigint; actor: string }[] = [];
  const decided = await each(calls, async ({ actor, holdId, amount }) => {
    const hold = holds.get(holdId);
    if (!hold) throw new TallyError('hold_not_found', `No hold with id "${holdId}" exists in this organization.`);
    const member = config.members.find((m) => m.id === hold.memberId);
    const scope = await scopeAmong(actor, config.members);
    if (!(scope.all || (member && mayActFor(scope, member)))) throw forbidden('change this hold');
    if (hold.status !== 'open') throw new TallyError('hold_not_open', `Hold "${holdId}" is already ${hold.status}.`);
    const max = hold.amount + (hold.amount * BigInt(settings.captureExcessPct)) / 100n;
    if (amount > max) {
      throw new TallyError('capture_exceeds_hold', `${creditsText(amount)} credits exceed what hold "${holdId}" allows (${creditsText(max)}).`);
    }
    batch.move({ type: 'hold_capture', amount: hold.amount, from: 'held', to: 'reserved', occurredAt: now, ref: `hold:${hold.id}`, actor: actor.label });
    if (amount > 0n) {
      blocks ??= await blocksForUsage(tx, batch, now, actor.label);
      bookUsage(batch, blocks, { cost: amount, at: now, now, booked: (at) => at, ref: `hold:${hold.id}`, actor: actor.label, meter: null });
    }
    const before = holdView(hold, now);
    hold.status = 'captured'; // a second capture of it in this group is refused like one after it
    captured.push({ hold, amount, actor: actor.label });
    return { before, view: holdView({ ...hold, capturedAmount: amount, closedAt: now }, now) };
  });
  if (captured.length > 0) {
    await batch.flush(tx);
    const audits: AuditInput[] = [];
    decided.forEach((d, i) => {
      if (!(d instanceof TallyError)) audits.push({ orgId: org.id, actor: calls[i]!.actor.label, action: 'hold.capture', target: d.view.id, before: d.before, after: d.view, at: now });
    });
    const writes = [holdsCapture(org.id, now, captured.map((c) => ({ id: c.hold.id, amount: c.amount }))), auditWrite(audits)];
    const usage = captured.filter((c) => c.amount > 0n).map((c) => capturedUsage(c.hold, c.amount, now));
    // the holds captured, their audit entries, the usage's rollups and cycle counters and the statement fold:
    // one statement, before the usageRecorded hooks, which may seed a cap's counter from the captured holds
    const change = { org, known: config, emptiedBlock: batch.emptiedBlock };
    if (usage.length > 0) {
      const rollups = rollupWrites([{ orgId: org.id, zone: org.timezone, events: usage }]);
      const fold = balanceWritesOf(ctx.hooks, { now, orgs: [change] });
      await runUsageRecorded(ctx.hooks, { tx, org, now, events: usage, known: config, cycleCurrent: true }, [...writes, ...rollups, ...fold]);
      await runBalanceChanged(ctx.hooks, { tx, now, ...change }, { writesSent: true });
    } else {
      await runBalanceChanged(ctx.hooks, { tx, now, ...change }, { alongside: writes });
    }
  }
  const outcomes: Outcome<HoldView>[] = decided.map((d) => (d instanceof TallyError ? { refused: d } : { ok: { value: d.view, limits: undefined } }));
  const wants = calls.map((c, i) => {
    const h = holds.get(c.holdId);
    return decided[i] instanceof TallyError || !h ? undefined : { memberId: h.memberId, subject: { project: h.project ?? null, apiKeyId: h.apiKeyId ?? null } };
  });
  // the limit headers: one read of the figures after the commit, outside the lock
  const afterCommit = async (q: Q) => {
    const limits = await limitsAfterGroup(ctx, q, org, now, wants);
    outcomes.forEach((o, i) => 'ok' in o && (o.ok.limits = limits[i]));
  };
  return { outcomes, afterCommit };
});

/** A capture as usage: the member's, their project's and API key's, never a meter's. */
const capturedUsage = (hold: HoldRow, amount: bigint, now: Date): RatedEvent => ({
  id: hold.id,
  meter: 'hold_capture',
  quantity: amount,
  bookedAt: now,
  userId: hold.memberId,
  project: hold.project ?? null,
  resourceClass: null,
  jobId: hold.jobId,
  jobName: hold.jobId,
  credits: amount,
  usd: null,
  at: now,
  apiKeyId: hold.apiKeyId ?? null,
  capture: true,
});
