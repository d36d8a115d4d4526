import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { formatMicro } from '../../domain/money.js';
import { addDays, daysBetween, isDateKey, isPeriodKey, periodDays, periodKeysNewestFirst, previousPeriod } from '../../domain/periods.js';
import { buildStatement, checkIdentity, StatementIdentityError, zeroFlows, type DayFlows, type StatementDay, type StatementSummary } from '../../domain/statement.js';
import { localDate, periodByKey, periodContaining, type Period } from '../../domain/time.js';
import { TallyError } from '../../http/errors.js';
import { findOrg, orgNotFound, type OrgRow } from '../orgs/queries.js';
import {
  findDayJobPage,
  findJobLines,
  findStatement,
  findStatementDays,
  foldLedger,
  insertStatement,
  latestStatement,
  readFlows,
  type JobLine,
} from './queries.js';

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

async function loadOrg(q: Q, orgId: string): Promise<OrgRow> {
  const org = await findOrg(q, orgId);
  if (!org) throw orgNotFound(orgId);
  return org;
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
    const org = await loadOrg(q, orgId);
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
    const org = await loadOrg(q, orgId);
    const now = ctx.clock.now();
    return statementView(await readStatement(q, org, resolvePeriod(org, period, now), now));
  });
}

export function jobLineView(j: JobLine) {
  return {
    job_id: j.jobId,
    name: j.name,
    project: j.project === '' ? null : j.project,
    user: j.userId === '' ? null : j.userId,
    resource_class: j.resourceClass === '' ? null : j.resourceClass,
    credits_used: formatMicro(j.credits),
  };
}

/**
 * One page of a day's job lines, credits used highest first then job id.
 * `after` is the last line of the previous page; the answer's `next` is the
 * key to continue from, or null on the last page.
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
    const org = await loadOrg(q, orgId);
    const p = resolvePeriod(org, period, ctx.clock.now());
    const { first, end } = periodDays(p, org.timezone);
    if (!isDateKey(date) || date < first || date >= end) {
      throw new TallyError('invalid_request', `"${date}" is not a day of period ${p.key} (${first} to ${addDays(end, -1)}).`);
    }
    const found = await findDayJobPage(q, { orgId: org.id, day: date, after, limit: limit + 1 });
    const lines = found.slice(0, limit);
    const last = lines[lines.length - 1];
    return { data: lines.map(jobLineView), next: found.length > limit && last ? { credits: last.credits, jobId: last.jobId } : null };
  });
}

/** What a statement export needs: the rows, read in one go (a period has at most 31 days). */
export function statementForExport({ ctx, orgId, period }: { ctx: AppContext; orgId: string; period: string }) {
  return ctx.db.read(async (q) => {
    const org = await loadOrg(q, orgId);
    const now = ctx.clock.now();
    const p = resolvePeriod(org, period, now);
    const statement = await readStatement(q, org, p, now);
    const { first, end } = periodDays(p, org.timezone);
    return { org, period: p, days: statement.days, first, end };
  });
}

/** Job lines of a period, a page of days at a time (constant memory for the export). */
export function jobLinesOfDays({ ctx, orgId, fromDay, toDay }: { ctx: AppContext; orgId: string; fromDay: string; toDay: string }) {
  return ctx.db.read((q) => findJobLines(q, orgId, fromDay, toDay));
}
