import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { formatMicro } from '../../domain/money.js';
import type { Actor } from '../../actor.js';
import { TallyError } from '../../errors.js';
import { canManageMember, ensureCycle, forbidden, type Scope, scopeAmong, scopeOf } from '../allocations/index.js';
import { recordAudit } from '../audit/index.js';
import { type AdmissionSubject, LedgerBatch, runBalanceChanged } from '../ledger/index.js';
import { lockOrg, requireOrg, type OrgRow } from '../orgs/index.js';
import { GroupCommit, inOrgGroup, loadFigures, loadOrgConfig, needsPeriodConsumed, orgConfig, preloadedOf } from '../realtime/index.js';
import { tightestLimit, type TightestLimit } from '../caps/index.js';
import { decideAdmission, type Admission } from './admission.js';
import { closeHolds, findDueHolds, findHold, findHolds, orgsWithDueHolds, type HoldRow } from './queries.js';

// Holds are ledger entries (SPEC §3.2, §3.6): a hold moves its amount from
// `reserved` to `held`, which the available balance subtracts; release and
// capture move it back, and a capture then books the usage like an event.

export const mayActFor = (scope: Scope, m: { id: string; groupId: string }): boolean => m.id === scope.memberId || canManageMember(scope, m);

export type HoldView = ReturnType<typeof holdView>;

export function holdView(h: HoldRow, now: Date) {
  const expired = h.status === 'open' && h.expiresAt !== null && h.expiresAt <= now;
  return {
    id: h.id,
    member: h.memberId,
    amount: formatMicro(h.amount),
    captured_amount: h.capturedAmount === null ? null : formatMicro(h.capturedAmount),
    job_id: h.jobId,
    status: expired ? ('expired' as const) : h.status,
    expires_at: h.expiresAt?.toISOString() ?? null,
    created_at: h.createdAt.toISOString(),
    closed_at: h.closedAt?.toISOString() ?? (expired ? h.expiresAt!.toISOString() : null),
  };
}

/** Audit actor of expiry releases made on the way by another change (the job passes `system:scheduler`). */
export const HOLD_EXPIRY_ACTOR = 'system:hold-expiry';

/**
 * Releases open holds whose expiry has passed; needs the organization lock.
 * Each release writes a `hold.expire` audit entry (before: the open hold,
 * after: the expired one) under `auditActor`.
 */
export async function releaseDueHolds(tx: Q, org: OrgRow, now: Date, auditActor: string = HOLD_EXPIRY_ACTOR): Promise<number> {
  return releaseLapsed(tx, org, now, await findDueHolds(tx, org.id, now), auditActor);
}

/** Releases these open holds past their expiry (read under this transaction's lock). */
export async function releaseLapsed(tx: Q, org: OrgRow, now: Date, due: HoldRow[], auditActor: string = HOLD_EXPIRY_ACTOR): Promise<number> {
  if (due.length === 0) return 0;
  const batch = new LedgerBatch(org.id, now);
  for (const h of due) {
    batch.move({ type: 'hold_release', amount: h.amount, from: 'held', to: 'reserved', occurredAt: h.expiresAt!, ref: `hold:${h.id}`, actor: 'expiry' });
  }
  await batch.flush(tx);
  await closeHolds(tx, org.id, due.map((h) => h.id), 'expired', now);
  for (const h of due) {
    // holdView already calls an open hold past its expiry "expired"; the before is the stored, still-open hold.
    const before = { ...holdView(h, now), status: 'open' as const, closed_at: null };
    const after = holdView({ ...h, status: 'expired', closedAt: now }, now);
    await recordAudit(tx, { orgId: org.id, actor: auditActor, action: 'hold.expire', target: h.id, before, after, at: now });
  }
  return due.length;
}


/** The hold-expiry job for one organization; `actor` is the audit actor of its releases. */
export function expireHolds(ctx: AppContext, orgId: string, actor: string): Promise<number> {
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const released = await releaseDueHolds(tx, org, now, actor);
    if (released > 0) await runBalanceChanged(ctx.hooks, { tx, org, now });
    return released;
  });
}

export async function orgsWithExpiredHolds(ctx: AppContext): Promise<string[]> {
  const now = ctx.clock.now();
  return ctx.db.read((q) => orgsWithDueHolds(q, now));
}

/** What a check or hold is for, as caps see it: an organization key is itself, the platform key may name one. */
export function subjectOf(actor: Actor, s: { project?: string | undefined; apiKeyId?: string | undefined; meter?: string | undefined }): AdmissionSubject {
  return { project: s.project ?? null, apiKeyId: actor.kind === 'key' ? actor.keyId : (s.apiKeyId ?? null), meter: s.meter ?? null };
}

export interface CheckInput {
  actor: Actor;
  memberId: string;
  amount: bigint;
  subject?: { project?: string | undefined; apiKeyId?: string | undefined; meter?: string | undefined } | undefined;
}

type CheckOutcome = { ok: { answer: CheckAnswer; limits: TightestLimit | null } } | { refused: TallyError };
export type CheckAnswer = ReturnType<typeof answerOf>;

const answerOf = (a: Admission) => ({ allowed: a.allowed, limited_by: a.limited_by, remaining: a.remaining, message: a.message, ...(a.details ?? {}) });

const checkGroups = new WeakMap<AppContext, GroupCommit<CheckInput, CheckOutcome>>();

/**
 * Concurrent checks of one organization share their reads (issue 10): a
 * check that arrives while another's read is in flight waits for it to end
 * and is then answered, with every check that queued meanwhile, from one
 * read of the organization row and one of its figures. Each still sees every
 * write committed before it arrived, as if it had read alone.
 */
function checksOf(ctx: AppContext): GroupCommit<CheckInput, CheckOutcome> {
  let g = checkGroups.get(ctx);
  if (!g) {
    g = new GroupCommit<CheckInput, CheckOutcome>({
      maxGroup: 256,
      runGroup: (orgId, checks) =>
        ctx.db.read(async (q) => {
          const now = ctx.clock.now();
          // Two reads: the organization row with its configuration versions, then every dynamic figure in
          // one statement; the configuration comes from this server's cache while its version holds.
          const org = await requireOrg(q, orgId);
          const config = await orgConfig(ctx, q, org);
          const f = await loadFigures(q, org, config, now, needsPeriodConsumed(config));
          const read = { balance: f.balance, preloaded: preloadedOf(config, f) };
          const at = { org, state: f.state, summary: f.balance, preloaded: read.preloaded, now };
          const out: CheckOutcome[] = [];
          for (const c of checks) {
            try {
              const member = config.members.find((m) => m.id === c.memberId);
              if (!member) throw new TallyError('member_not_found', `No member with id "${c.memberId}" exists in this organization.`);
              if (!mayActFor(await scopeAmong(c.actor, config.members), member)) throw forbidden('check admission for this member');
              const subject = subjectOf(c.actor, c.subject ?? {});
              const a = await decideAdmission(ctx, q, f.state, member, c.amount, now, { read, subject });
              out.push({ ok: { answer: answerOf(a), limits: await tightestLimit(ctx, q, at, { memberId: member.id, subject }) } });
            } catch (error) {
              if (!(error instanceof TallyError)) throw error;
              out.push({ refused: error });
            }
          }
          return out;
        }),
    });
    checkGroups.set(ctx, g);
  }
  return g;
}

/** `check` (SPEC §3.7): may this member spend this amount now? With the response's limit headers. */
export async function checkAdmission(args: { ctx: AppContext; orgId: string } & CheckInput) {
  const { ctx, orgId, ...input } = args;
  const outcome = await checksOf(ctx).submit(orgId, input);
  if ('refused' in outcome) throw outcome.refused;
  return outcome.ok;
}

export interface HoldInput {
  memberId: string;
  amount: bigint;
  jobId?: string | undefined;
  expiresAt?: Date | undefined;
  project?: string | undefined;
  /** platform key only: the API key the hold is taken for */
  apiKeyId?: string | undefined;
}

/**
 * What a hold decides on, inside a transaction that holds the organization
 * lock: the configuration (cached while its version, read with the lock,
 * holds), lapsed holds released, the cycle rolled over if due, and every
 * dynamic figure in one read.
 */
export async function admissionStateIn(ctx: AppContext, tx: Q, org: OrgRow, now: Date) {
  const cached = await orgConfig(ctx, tx, org);
  if (cached.settings) {
    // The usual case is one read: the cycle is stored and no hold has lapsed.
    const figures = await loadFigures(tx, org, cached, now, needsPeriodConsumed(cached));
    if (figures.cycleStored && figures.lapsedHolds === 0) return { config: cached, figures };
  }
  await releaseDueHolds(tx, org, now);
  const { config } = await configWithCycle(ctx, tx, org, now);
  const figures = await loadFigures(tx, org, config, now, needsPeriodConsumed(config));
  return { config, figures };
}

/**
 * The configuration (cached while its version, read with the lock, holds) with the cycle rolled
 * over if due. First use sets the organization up in this transaction (settings, Default group):
 * then the configuration is read as written.
 */
export async function configWithCycle(ctx: AppContext, tx: Q, org: OrgRow, now: Date, cycleCurrent = false) {
  let config = await orgConfig(ctx, tx, org);
  // `cycleCurrent`: the lock statement saw the stored cycle current (lockOrgsForUsage), nothing to roll over
  if (cycleCurrent && config.settings) return { config, settings: config.settings };
  const { settings } = await ensureCycle(tx, org, now, config.settings);
  if (!config.settings) config = await loadOrgConfig(tx, org);
  return { config, settings };
}

/** The open hold, after the caller's scope is checked against it. */
async function openHold(ctx: AppContext, tx: Q, actor: Actor, org: OrgRow, holdId: string, now: Date) {
  await releaseDueHolds(tx, org, now);
  const hold = await findHold(tx, org.id, holdId);
  if (!hold) throw new TallyError('hold_not_found', `No hold with id "${holdId}" exists in this organization.`);
  const { config } = await configWithCycle(ctx, tx, org, now);
  const member = config.members.find((m) => m.id === hold.memberId);
  const scope = await scopeAmong(actor, config.members);
  if (!(scope.all || (member && mayActFor(scope, member)))) throw forbidden('change this hold');
  if (hold.status !== 'open') throw new TallyError('hold_not_open', `Hold "${holdId}" is already ${hold.status}.`);
  return hold;
}

export async function releaseHold(args: { ctx: AppContext; actor: Actor; orgId: string; holdId: string }) {
  const { ctx, actor, orgId, holdId } = args;
  return inOrgGroup(ctx, orgId, async (tx, org) => {
    const now = ctx.clock.now();
    const hold = await openHold(ctx, tx, actor, org, holdId, now);
    const batch = new LedgerBatch(orgId, now);
    batch.move({ type: 'hold_release', amount: hold.amount, from: 'held', to: 'reserved', occurredAt: now, ref: `hold:${hold.id}`, actor: actor.label });
    await batch.flush(tx);
    await closeHolds(tx, orgId, [hold.id], 'released', now);
    const view = holdView({ ...hold, status: 'released', closedAt: now }, now);
    await recordAudit(tx, { orgId, actor: actor.label, action: 'hold.release', target: hold.id, before: holdView(hold, now), after: view, at: now });
    return { value: view };
  });
}

export async function listHolds(args: {
  ctx: AppContext;
  actor: Actor;
  orgId: string;
  status?: HoldRow['status'] | undefined;
  before?: string | undefined;
  limit: number;
}) {
  const { ctx, actor, orgId, limit } = args;
  const now = ctx.clock.now();
  const found = await ctx.db.read(async (q) => {
    await requireOrg(q, orgId);
    const scope = await scopeOf(q, actor, orgId);
    return findHolds(q, orgId, {
      status: args.status,
      now,
      before: args.before,
      limit: limit + 1,
      visible: scope.all ? undefined : { groupIds: scope.groupIds, memberId: scope.memberId },
    });
  });
  const data = found.slice(0, limit).map((h) => holdView(h, now));
  return { data, next: found.length > limit ? data[data.length - 1]!.id : null };
}
