import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { formatMicro } from '../../domain/money.js';
import { countOf, quantityOf } from '../../domain/display.js';
import { singularUnit } from '../../domain/labels.js';
import { addDays, daysBetween, isDateKey, isPeriodKey, periodDays, periodKeysNewestFirst, previousPeriod } from '../../domain/periods.js';
import { buildStatement, checkIdentity, StatementIdentityError, zeroFlows, type DayFlows, type StatementDay, type StatementSummary } from '../../domain/statement.js';
import { localDate, periodByKey, periodContaining, type Period } from '../../domain/time.js';
import { TallyError } from '../../errors.js';
import { type OrgRow, requireOrg } from '../orgs/index.js';
import { findDayJobPage, findJobLines, findMeterLines, type JobLine, type MeterLine } from './dayLineQueries.js';
import {
  findStatement,
  findStatementDays,
  findStatementProgress,
  foldLedger,
  insertStatement,
  latestStatement,
  readFlows,
  recordJobRun,
  statementExists,
} from './queries.js';

/** Every organization, by id, with its zone, creation time and last stored statement's period: what period-close walks. */
export function statementProgress(ctx: AppContext) {
  return ctx.db.read((q) => findStatementProgress(q));
}

/** Whether the organization's statement of this period is stored, i.e. the period is closed. */
export function isStatementClosed({ ctx, orgId, period }: { ctx: AppContext; orgId: string; period: string }): Promise<boolean> {
  return ctx.db.read((q) => statementExists(q, orgId, period));
}

/** Records which instance's job closed the period (job_runs), in the close's transaction. */
export async function recordPeriodClose(tx: Q, job: string, orgId: string, periodKey: string, instance: string, now: Date): Promise<void> {
  await recordJobRun(tx, job, orgId, periodKey, instance, now);
}
import {effectiveMeters, type Meter} from '../meters/index.js';
import { startOfLocalDay } from '../../domain/time.js';

export interface PeriodStatement {
  period: Period;
  status: 'open' | 'closed';
  summary: StatementSummary;
  days: StatementDay[];
  /** credits consumed and the part of it no block paid, for the invoice */
  consumed: bigint;
  overage: bigint;
}

/** Resolves `current` or `YYYY-MM` to a period that exists for this organization (not before it, not in the future). */
export function resolvePeriod(org: OrgRow, key: string, now: Date): Period {
  const current = periodContaining(now, org.timezone);
  if (key === 'current') return current;
  if (!isPeriodKey(key)) throw new TallyError('invalid_request', `"${key}" is not a billing period: use YYYY-MM or "current".`);
  const first = periodContaining(org.createdAt, org.timezone);
  if (key > current.key || key < first.key) {
    throw new TallyError('not_found', `The organization has no billing period ${key} (its periods run from ${first.key} to ${current.key}).`);
  }
  return periodByKey(key, org.timezone);
}


/**
 * A period's statement computed from the ledger's daily fold. The open period
 * runs to today; an ended period covers all its days. Due expiries not booked
 * yet count at their `expires_at` (balance reads never wait for the scheduler).
 */
export async function computeStatement(q: Q, org: OrgRow, period: Period, now: Date, pendingExpiries = true): Promise<PeriodStatement> {
  const zone = org.timezone;
  const { first, end } = periodDays(period, zone);
  const open = period.endsAt > now;
  const tomorrow = addDays(localDate(now, zone), 1);
  const toDay = open && tomorrow < end ? tomorrow : end;
  const flows = await readFlows(q, { orgId: org.id, zone, fromDay: first, toDay, pendingExpiriesAt: pendingExpiries ? now : null });
  const days: DayFlows[] = daysBetween(first, toDay).map((d) => flows.days.get(d) ?? zeroFlows(d));
  const built = buildStatement(flows.before.net, days);
  return {
    period,
    status: open ? 'open' : 'closed',
    summary: built.summary,
    days: built.days,
    consumed: days.reduce((s, d) => s + d.consumed, 0n),
    overage: days.reduce((s, d) => s + d.overage, 0n),
  };
}

/**
 * Stores an ended period's statement inside the period-close transaction
 * (which holds the organization lock and has booked the due expiries). The
 * identity is checked before anything is stored, and the balance brought
 * forward must equal the previous statement's closing balance.
 */
export async function storeClosedStatement(tx: Q, org: OrgRow, period: Period, now: Date): Promise<PeriodStatement | null> {
  if (await findStatement(tx, org.id, period.key)) return null;
  await foldLedger(tx, org.id, org.timezone);
  const statement = await computeStatement(tx, org, period, now, false);
  checkIdentity(statement.summary);
  const previous = await latestStatement(tx, org.id);
  if (previous && previous.period === previousPeriod(period, org.timezone).key && previous.closing !== statement.summary.broughtForward) {
    throw new StatementIdentityError(
      `period ${period.key} brings forward ${statement.summary.broughtForward} but ${previous.period} closed at ${previous.closing}`,
    );
  }
  await insertStatement(tx, org.id, { ...statement.summary, period: period.key, startsAt: period.startsAt, endsAt: period.endsAt, closedAt: now }, statement.days);
  return statement;
}

export function statementView(s: { period: Period; status: 'open' | 'closed'; summary: StatementSummary; days: StatementDay[] }) {
  return {
    period: s.period.key,
    status: s.status,
    starts_at: s.period.startsAt.toISOString(),
    ends_at: s.period.endsAt.toISOString(),
    summary: {
      brought_forward: formatMicro(s.summary.broughtForward),
      purchased: formatMicro(s.summary.purchased),
      granted: formatMicro(s.summary.granted),
      adjustments: formatMicro(s.summary.adjustments),
      consumed: formatMicro(s.summary.consumed),
      expired: formatMicro(s.summary.expired),
      rolled_over: formatMicro(s.summary.rolledOver),
      forfeited: formatMicro(s.summary.forfeited),
      corrections: formatMicro(s.summary.corrections),
      closing: formatMicro(s.summary.closing),
    },
    days: s.days.map((d) => ({
      date: d.day,
      top_ups: formatMicro(d.topUps),
      credits_used: formatMicro(d.creditsUsed),
      expired: formatMicro(d.expired),
      balance: formatMicro(d.balance),
    })),
  };
}

/** A stored statement when the period is closed, else the live computation. */
export async function readStatement(q: Q, org: OrgRow, period: Period, now: Date) {
  const stored = await findStatement(q, org.id, period.key);
  if (stored) {
    return { period, status: 'closed' as const, summary: stored, days: await findStatementDays(q, org.id, period.key) };
  }
  return computeStatement(q, org, period, now);
}

export function listStatements({ ctx, orgId }: { ctx: AppContext; orgId: string }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const now = ctx.clock.now();
    const current = periodContaining(now, org.timezone);
    const first = periodContaining(org.createdAt, org.timezone);
    return {
      data: periodKeysNewestFirst(first.key, current.key, org.timezone).map((key) => {
        const p = periodByKey(key, org.timezone);
        return { period: key, status: key === current.key ? ('open' as const) : ('closed' as const), starts_at: p.startsAt.toISOString(), ends_at: p.endsAt.toISOString() };
      }),
    };
  });
}

export function getStatement({ ctx, orgId, period }: { ctx: AppContext; orgId: string; period: string }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const now = ctx.clock.now();
    return statementView(await readStatement(q, org, resolvePeriod(org, period, now), now));
  });
}

export function jobLineView(j: JobLine) {
  return {
    kind: 'job' as const,
    job_id: j.jobId,
    name: j.name,
    project: j.project === '' ? null : j.project,
    user: j.userId === '' ? null : j.userId,
    resource_class: j.resourceClass === '' ? null : j.resourceClass,
    credits_used: formatMicro(j.credits),
  };
}

/** "Agent chat — 41 messages", "Sandbox runtime — 1 hour": what a meter line says. */
export function meterLineName(line: Pick<MeterLine, 'meter' | 'events' | 'quantity'>, meter: Meter | undefined): string {
  const name = meter?.name ?? line.meter;
  // a gauge's readings are levels: adding them up means nothing, counting them does
  if (meter?.aggregation === 'max' || meter?.aggregation === 'latest') return `${name} — ${countOf(line.events, 'reading', 'readings')}`;
  const counted = meter === undefined || meter.aggregation === 'count';
  const unit = meter?.unit ?? 'events';
  return `${name} — ${counted ? countOf(line.events, singularUnit(unit), unit) : quantityOf(formatMicro(line.quantity), unit)}`;
}

/** A day's usage without a job on one meter, shaped like a job line (its id `meter:<key>`). */
export function meterLineView(m: MeterLine, meter: Meter | undefined) {
  return {
    kind: 'usage' as const,
    job_id: `meter:${m.meter}`,
    name: meterLineName(m, meter),
    project: null,
    user: null,
    resource_class: null,
    credits_used: formatMicro(m.credits),
  };
}

/** Usage without a job, per day and meter, with the meters to name it. */
export async function meterLinesOfDays(q: Q, org: OrgRow, fromDay: string, toDay: string) {
  const lines = await findMeterLines(q, {
    orgId: org.id,
    zone: org.timezone,
    fromDay,
    toDay,
    from: startOfLocalDay(fromDay, org.timezone),
    to: startOfLocalDay(toDay, org.timezone),
  });
  const meters = await effectiveMeters(q, org.id);
  return lines.map((m) => ({ day: m.day, line: meterLineView(m, meters.get(m.meter)) }));
}

/**
 * One page of a day's lines: usage without a job first, one line per meter
 * (on the first page only: a day has a handful of meters), then the jobs,
 * credits used highest first then job id. Together they add up to the day's
 * Credits Used. `after` is the last job of the previous page; the answer's
 * `next` is the key to continue from, or null on the last page.
 */
export function getDayJobs({
  ctx,
  orgId,
  period,
  date,
  after,
  limit,
}: {
  ctx: AppContext;
  orgId: string;
  period: string;
  date: string;
  after: { credits: bigint; jobId: string } | undefined;
  limit: number;
}) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const p = resolvePeriod(org, period, ctx.clock.now());
    const { first, end } = periodDays(p, org.timezone);
    if (!isDateKey(date) || date < first || date >= end) {
      throw new TallyError('invalid_request', `"${date}" is not a day of period ${p.key} (${first} to ${addDays(end, -1)}).`);
    }
    const found = await findDayJobPage(q, { orgId: org.id, day: date, after, limit: limit + 1 });
    const lines = found.slice(0, limit);
    const last = lines[lines.length - 1];
    const usage = after === undefined ? (await meterLinesOfDays(q, org, date, addDays(date, 1))).map((m) => m.line) : [];
    return { data: [...usage, ...lines.map(jobLineView)], next: found.length > limit && last ? { credits: last.credits, jobId: last.jobId } : null };
  });
}

/** What a statement export needs: the rows, read in one go (a period has at most 31 days). */
export function statementForExport({ ctx, orgId, period }: { ctx: AppContext; orgId: string; period: string }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const now = ctx.clock.now();
    const p = resolvePeriod(org, period, now);
    const statement = await readStatement(q, org, p, now);
    const { first, end } = periodDays(p, org.timezone);
    return { org, period: p, days: statement.days, first, end };
  });
}

/**
 * The lines of a few days (constant memory for the export): per day, usage
 * without a job per meter, then the jobs, so each day's lines add up to its
 * Credits Used.
 */
export function jobLinesOfDays({ ctx, orgId, fromDay, toDay }: { ctx: AppContext; orgId: string; fromDay: string; toDay: string }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const [jobs, usage] = await Promise.all([findJobLines(q, orgId, fromDay, toDay), meterLinesOfDays(q, org, fromDay, toDay)]);
    const out: { day: string; name: string; project: string; userId: string; resourceClass: string; credits: string }[] = [];
    for (const day of daysBetween(fromDay, toDay)) {
      for (const m of usage) if (m.day === day) out.push({ day, name: m.line.name, project: '', userId: '', resourceClass: '', credits: m.line.credits_used });
      for (const j of jobs) if (j.day === day) out.push({ ...j, credits: formatMicro(j.credits) });
    }
    return out;
  });
}
