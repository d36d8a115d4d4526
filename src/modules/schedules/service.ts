import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { once, requestHash } from '../../db/idempotency.js';
import type { StoredRollover } from '../../db/schema/index.js';
import { initialAnchor, type Cadence } from '../../domain/cycles.js';
import { newId } from '../../ids.js';
import { formatMicro } from '../../domain/money.js';
import { duePeriods, firstIndex, grantExpiry, nextIssueAt, schedulePeriod } from '../../domain/schedules.js';
import { localDate } from '../../domain/time.js';
import { TallyError } from '../../errors.js';
import { recordAudit } from '../audit/index.js';
import { type GrantSource, insertGrant, loadGrantView } from '../grants/index.js';
import { emitDomainEvent, runBalanceChanged } from '../ledger/index.js';
import { lockOrg, type OrgRow, requireOrg } from '../orgs/index.js';
import {
  findIssues,
  findSchedules,
  insertIssue,
  insertSchedule,
  orgsWithDueRollovers,
  orgsWithDueSchedules,
  setNextIssue,
  updateScheduleTerms,
  type IssueRow,
  type ScheduleRow,
  type ScheduleTerms,
} from './queries.js';
import { bookDueRollovers } from './rollover.js';

export interface RolloverInput {
  maxAmount?: bigint | undefined;
  maxPercent?: number | undefined;
  expiresAfter?: string | undefined;
  priority?: number | undefined;
}

export interface CreateScheduleInput {
  name: string;
  source: GrantSource;
  amount: bigint;
  cadence: Cadence;
  anchor?: Date | undefined;
  expiresAfter?: string | undefined;
  priority?: number | undefined;
  rollover?: RolloverInput | undefined;
  endsAt?: Date | null | undefined;
}

export interface PatchScheduleInput {
  name?: string | undefined;
  amount?: bigint | undefined;
  expiresAfter?: string | null | undefined;
  priority?: number | undefined;
  rollover?: RolloverInput | null | undefined;
  endsAt?: Date | null | undefined;
}

function storedRollover(r: RolloverInput | null | undefined): StoredRollover | null {
  if (!r) return null;
  return {
    max_amount: r.maxAmount === undefined ? null : r.maxAmount.toString(),
    max_percent: r.maxPercent ?? null,
    expires_after: r.expiresAfter ?? null,
    priority: r.priority ?? null,
  };
}

/** How many of the latest issued periods a schedule's view lists. */
export const ISSUED_SHOWN = 24;

export function scheduleView(s: ScheduleRow, issues: IssueRow[], zone: string) {
  const next = s.nextIssueAt;
  const nextPeriod = next ? schedulePeriod(s, zone, s.nextIndex) : null;
  return {
    id: s.id,
    name: s.name,
    source: s.source,
    amount: formatMicro(s.amount),
    cadence: s.cadence,
    anchor: s.anchor.toISOString(),
    expires_after: s.expiresAfter,
    priority: s.priority,
    rollover: s.rollover && {
      max_amount: s.rollover.max_amount === null ? null : formatMicro(BigInt(s.rollover.max_amount)),
      max_percent: s.rollover.max_percent,
      expires_after: s.rollover.expires_after,
      priority: s.rollover.priority,
    },
    ends_at: s.endsAt?.toISOString() ?? null,
    status: next ? ('active' as const) : ('ended' as const),
    next_issue_at: next?.toISOString() ?? null,
    next_period: nextPeriod && { starts_at: nextPeriod.startsAt.toISOString(), ends_at: nextPeriod.endsAt.toISOString() },
    // the latest periods only: an hourly schedule issues thousands (each grant carries its schedule in metadata)
    issued: issues.slice(-ISSUED_SHOWN).map((i) => ({
      period_start: i.periodStart.toISOString(),
      period_end: i.periodEnd.toISOString(),
      grant_id: i.grantId,
      issued_at: i.issuedAt.toISOString(),
      rolled_over: i.rolledOver === null ? null : formatMicro(i.rolledOver),
      rollover_grant_id: i.rolloverGrantId,
    })),
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}

export type ScheduleView = ReturnType<typeof scheduleView>;

async function loadSchedule(q: Q, org: OrgRow, id: string): Promise<ScheduleRow> {
  const [found] = await findSchedules(q, org.id, id);
  if (!found) throw new TallyError('not_found', `No grant schedule with id "${id}" exists in this organization.`);
  return found;
}

async function loadView(q: Q, org: OrgRow, id: string): Promise<ScheduleView> {
  return scheduleView(await loadSchedule(q, org, id), await findIssues(q, org.id, [id]), org.timezone);
}

/**
 * Issues every started, not yet issued period of one schedule, oldest first,
 * each with its own dates (a period missed during downtime is issued late,
 * never skipped). Must run under the organization lock: `next_index` is read
 * inside it, and the issue row's primary key (org, schedule, period start)
 * makes a second issue of a period fail rather than happen. Returns the
 * grants issued.
 */
export async function issueDuePeriods(ctx: AppContext, tx: Q, org: OrgRow, schedule: ScheduleRow, now: Date, actor: string): Promise<number> {
  const zone = org.timezone;
  const periods = duePeriods(schedule, zone, schedule.nextIndex, now);
  for (const p of periods) {
    const grantId = await insertGrant(
      tx,
      org,
      {
        name: `${schedule.name} · ${localDate(p.startsAt, zone)}`,
        source: schedule.source,
        priority: schedule.priority,
        amount: schedule.amount,
        startsAt: p.startsAt,
        expiresAt: grantExpiry(p, schedule.expiresAfter, zone),
        metadata: { schedule_id: schedule.id, period_start: p.startsAt.toISOString(), period_end: p.endsAt.toISOString() },
      },
      now,
      actor,
    );
    await insertIssue(tx, {
      orgId: org.id,
      scheduleId: schedule.id,
      periodStart: p.startsAt,
      periodEnd: p.endsAt,
      periodIndex: p.index,
      grantId,
      issuedAt: now,
    });
    const view = await loadGrantView(tx, org.id, grantId, now);
    await emitDomainEvent(ctx.hooks, { tx, orgId: org.id, now, type: 'grant.created', data: { grant: view } });
    await recordAudit(tx, { orgId: org.id, actor, action: 'grant_schedule.issue', target: schedule.id, after: view, at: now });
  }
  if (periods.length === 0) return 0;
  const nextIndex = periods[periods.length - 1]!.index + 1;
  await setNextIssue(tx, org.id, schedule.id, nextIndex, nextIssueAt(schedule, zone, nextIndex));
  return periods.length;
}

/** Organizations with a schedule period to issue or a scheduled grant to roll over, by id: what the grant-schedules job walks. */
export async function orgsWithDueScheduleWork(ctx: AppContext, now: Date): Promise<string[]> {
  const [issuing, rolling] = await ctx.db.read(async (q) => [await orgsWithDueSchedules(q, now), await orgsWithDueRollovers(q, now)] as const);
  return [...new Set([...issuing, ...rolling])].sort();
}

/**
 * Issues the started periods of every schedule of the organization, then books its due rollovers, under
 * the organization lock the caller holds. Returns the grants issued and blocks settled.
 */
export async function issueDueSchedules(ctx: AppContext, tx: Q, org: OrgRow, at: Date, actor: string): Promise<number> {
  let n = 0;
  for (const schedule of await findSchedules(tx, org.id)) {
    if (schedule.nextIssueAt && schedule.nextIssueAt <= at) n += await issueDuePeriods(ctx, tx, org, schedule, at, actor);
  }
  // After issuing: a period issued late whose grant has already expired rolls over in the same run.
  n += await bookDueRollovers(ctx, tx, org.id, at);
  return n;
}

export async function createSchedule(args: {
  ctx: AppContext;
  orgId: string;
  actor: string;
  input: CreateScheduleInput;
  idempotencyKey?: string | undefined;
}) {
  const { ctx, orgId, actor, input } = args;
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    return once(
      tx,
      { orgId, scope: 'grant_schedules.create', key: args.idempotencyKey, hash: requestHash(input), now, statusCode: 201 },
      async () => {
        const anchor = input.anchor ?? initialAnchor(input.cadence, org.timezone, now);
        const endsAt = input.endsAt ?? null;
        if (endsAt && endsAt <= anchor) throw new TallyError('invalid_request', '"ends_at" must be after the anchor.');
        const shape = { anchor, cadence: input.cadence, endsAt };
        const first = firstIndex(shape, org.timezone, now);
        const row: ScheduleRow = {
          orgId,
          id: newId('gsc', now.getTime()),
          name: input.name,
          source: input.source,
          amount: input.amount,
          cadence: input.cadence,
          anchor,
          expiresAfter: input.expiresAfter ?? null,
          priority: input.priority ?? 50,
          rollover: storedRollover(input.rollover),
          endsAt,
          nextIndex: first,
          nextIssueAt: nextIssueAt(shape, org.timezone, first),
          createdAt: now,
          updatedAt: now,
        };
        await insertSchedule(tx, row);
        // The period under way is issued now, not at the scheduler's next tick.
        const issued = await issueDuePeriods(ctx, tx, org, row, now, actor);
        const view = await loadView(tx, org, row.id);
        await recordAudit(tx, { orgId, actor, action: 'grant_schedule.create', target: row.id, after: view, at: now });
        if (issued > 0) await runBalanceChanged(ctx.hooks, { tx, org, now });
        return view;
      },
    );
  });
}

export async function updateSchedule(args: {
  ctx: AppContext;
  orgId: string;
  scheduleId: string;
  actor: string;
  input: PatchScheduleInput;
  idempotencyKey?: string | undefined;
  action?: 'update' | 'end';
}) {
  const { ctx, orgId, scheduleId, actor, input } = args;
  const action = args.action ?? 'update';
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    return once(
      tx,
      {
        orgId,
        scope: `grant_schedules.${action}:${scheduleId}`,
        key: args.idempotencyKey,
        // "end" carries the moment it was asked as its input: a replay later is the same request.
        hash: action === 'end' ? scheduleId : requestHash(input),
        now,
        statusCode: 200,
      },
      async () => {
        const current = await loadSchedule(tx, org, scheduleId);
        const before = scheduleView(current, await findIssues(tx, orgId, [scheduleId]), org.timezone);
        if (action === 'end' && current.nextIssueAt === null) {
          throw new TallyError('conflict', `Grant schedule "${scheduleId}" has already ended.`);
        }
        const endsAt = input.endsAt === undefined ? current.endsAt : input.endsAt;
        if (endsAt && endsAt <= current.anchor) throw new TallyError('invalid_request', '"ends_at" must be after the anchor.');
        const shape = { anchor: current.anchor, cadence: current.cadence, endsAt };
        const next: ScheduleTerms = {
          name: input.name ?? current.name,
          amount: input.amount ?? current.amount,
          expiresAfter: input.expiresAfter === undefined ? current.expiresAfter : input.expiresAfter,
          priority: input.priority ?? current.priority,
          rollover: input.rollover === undefined ? current.rollover : storedRollover(input.rollover),
          endsAt,
          // Issued periods stay issued; a changed end only decides which later periods come.
          nextIssueAt: nextIssueAt(shape, org.timezone, current.nextIndex),
          updatedAt: now,
        };
        await updateScheduleTerms(tx, orgId, scheduleId, next);
        const after = await loadView(tx, org, scheduleId);
        await recordAudit(tx, { orgId, actor, action: `grant_schedule.${action}`, target: scheduleId, before, after, at: now });
        return after;
      },
    );
  });
}

/** Ends a schedule now: no period starting from now on is issued; issued grants keep their credit. */
export function endSchedule(args: { ctx: AppContext; orgId: string; scheduleId: string; actor: string; idempotencyKey?: string | undefined }) {
  const now = args.ctx.clock.now();
  return updateSchedule({ ...args, input: { endsAt: new Date(now.getTime() + 1) }, action: 'end' });
}

export function listSchedules({ ctx, orgId }: { ctx: AppContext; orgId: string }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const schedules = await findSchedules(q, orgId);
    const issues = await findIssues(q, orgId, schedules.map((s) => s.id));
    return schedules.map((s) => scheduleView(s, issues.filter((i) => i.scheduleId === s.id), org.timezone));
  });
}

export function getSchedule({ ctx, orgId, scheduleId }: { ctx: AppContext; orgId: string; scheduleId: string }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    return loadView(q, org, scheduleId);
  });
}
