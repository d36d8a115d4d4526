import { DateTime } from 'luxon';
import { creditsText } from '../../domain/display.js';
import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { forecast } from '../../domain/forecast.js';
import { formatMicro } from '../../domain/money.js';
import { periodContaining } from '../../domain/time.js';
import { TallyError } from '../../errors.js';
import { type OrgRow, requireOrg } from '../orgs/index.js';
import { costRows, dailyCost, type CostDimension, type CostInterval, type CostRow } from './queries.js';

export interface CostQuery {
  from?: string | undefined;
  to?: string | undefined;
  by: CostDimension;
  interval: CostInterval;
}

/** At most this many days per request: a year and a bit, enough for month-by-month views. */
const MAX_DAYS = 400;

/** The local days asked for: `from`/`to` inclusive, defaulting to the current billing period up to today. */
export function costRange(org: OrgRow, now: Date, q: CostQuery): { fromDay: string; toDay: string } {
  const zone = org.timezone;
  const today = DateTime.fromJSDate(now, { zone }).toISODate()!;
  const fromDay = q.from ?? DateTime.fromJSDate(periodContaining(now, zone).startsAt, { zone }).toISODate()!;
  const toDay = q.to ?? today;
  for (const d of [fromDay, toDay]) {
    if (!DateTime.fromISO(d, { zone }).isValid) throw new TallyError('invalid_request', `"${d}" is not a date (YYYY-MM-DD).`);
  }
  if (fromDay > toDay) throw new TallyError('invalid_request', `"from" (${fromDay}) is after "to" (${toDay}).`);
  const days = DateTime.fromISO(toDay).diff(DateTime.fromISO(fromDay), 'days').days;
  if (days > MAX_DAYS) throw new TallyError('invalid_request', `Ask for at most ${MAX_DAYS} days at a time (this range has ${days + 1}).`);
  return { fromDay, toDay };
}

/** "1 USD = 1,000 credits": the organization's credit factor, stated with every cost figure. */
export function conversion(org: OrgRow): string {
  if (org.creditFactor === 0n) return 'Credit tracking is off for this organization (credit factor 0): costs are in USD only.';
  return `1 USD = ${creditsText(org.creditFactor)} credits (the organization's credit factor); credits are converted half-even to the micro-credit.`;
}

/**
 * The current period's cost forecast: cost so far plus the rest of the period
 * at the trailing pace (the forecast's weekday-aware burn rate, applied to USD
 * and to credits alike).
 */
async function periodForecast(q: Q, org: OrgRow, now: Date) {
  const zone = org.timezone;
  const period = periodContaining(now, zone);
  const today = DateTime.fromJSDate(now, { zone }).startOf('day');
  const created = DateTime.fromJSDate(org.createdAt, { zone }).startOf('day');
  const days: string[] = [];
  for (let i = 30; i >= 1; i--) if (today.minus({ days: i }) >= created) days.push(today.minus({ days: i }).toISODate()!);
  const periodFirst = DateTime.fromJSDate(period.startsAt, { zone }).toISODate()!;
  const first = [days[0] ?? today.toISODate()!, periodFirst].sort()[0]!;
  const daily = await dailyCost(q, org.id, first, today.toISODate()!);
  const sumFrom = (pick: 'usd' | 'credits') => [...daily].filter(([d]) => d >= periodFirst).reduce((a, [, c]) => a + c[pick], 0n);
  const project = (pick: 'usd' | 'credits') =>
    forecast({
      now,
      zone,
      horizonDays: 31,
      history: days.map((date) => ({ date, credits: daily.get(date)?.[pick] ?? 0n })),
      usedToday: daily.get(today.toISODate()!)?.[pick] ?? 0n,
      period: { endsAt: period.endsAt, used: sumFrom(pick) },
      cycle: null,
    }).period;
  const usd = project('usd');
  const credits = project('credits');
  return {
    period: period.key,
    usd_so_far: formatMicro(usd.used),
    credits_so_far: formatMicro(credits.used),
    projected_usd: formatMicro(usd.total),
    projected_credits: formatMicro(credits.total),
    basis: `mean daily cost of the last ${days.length} complete day(s)${days.length >= 14 ? ', shaped by weekday' : ''}`,
  };
}

export function getCosts({ ctx, orgId, query }: { ctx: AppContext; orgId: string; query: CostQuery }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const now = ctx.clock.now();
    const range = costRange(org, now, query);
    const found = await costRows(q, { orgId, ...range, by: query.by, interval: query.interval });
    return { ...costsView(org, range, query, found), forecast: await periodForecast(q, org, now) };
  });
}

function costsView(org: OrgRow, range: { fromDay: string; toDay: string }, query: CostQuery, found: CostRow[]) {
  const buckets = new Map<string, CostRow[]>();
  const byKey = new Map<string, { usd: bigint; credits: bigint }>();
  let usd = 0n;
  let credits = 0n;
  for (const r of found) {
    buckets.set(r.bucket, [...(buckets.get(r.bucket) ?? []), r]);
    const k = byKey.get(r.key) ?? { usd: 0n, credits: 0n };
    byKey.set(r.key, { usd: k.usd + r.usd, credits: k.credits + r.credits });
    usd += r.usd;
    credits += r.credits;
  }
  const key = (k: string) => (k === '' ? null : k);
  return {
    from: range.fromDay,
    to: range.toDay,
    by: query.by,
    interval: query.interval,
    timezone: org.timezone,
    credit_factor: formatMicro(org.creditFactor),
    conversion: conversion(org),
    totals: { usd: formatMicro(usd), credits: formatMicro(credits) },
    series: [...buckets].map(([t, rs]) => ({
      t,
      usd: formatMicro(rs.reduce((a, r) => a + r.usd, 0n)),
      credits: formatMicro(rs.reduce((a, r) => a + r.credits, 0n)),
      by: rs.map((r) => ({ key: key(r.key), usd: formatMicro(r.usd), credits: formatMicro(r.credits) })),
    })),
    breakdown: [...byKey]
      .sort((a, b) => (a[1].usd === b[1].usd ? (a[1].credits > b[1].credits ? -1 : 1) : a[1].usd > b[1].usd ? -1 : 1))
      .map(([k, v]) => ({ key: key(k), usd: formatMicro(v.usd), credits: formatMicro(v.credits) })),
  };
}

export const COST_COLUMNS = ['period_start', 'key', 'usd', 'credits'];

/** The CSV rows of a cost query, one per interval and dimension value, a page at a time. */
export async function* costCsvRows({ ctx, orgId, query }: { ctx: AppContext; orgId: string; query: CostQuery }): AsyncGenerator<string[][]> {
  const found = await ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    return costRows(q, { orgId, ...costRange(org, ctx.clock.now(), query), by: query.by, interval: query.interval });
  });
  for (let i = 0; i < found.length || i === 0; i += 1000) {
    yield found.slice(i, i + 1000).map((r) => [r.bucket, r.key, formatMicro(r.usd), formatMicro(r.credits)]);
  }
}
