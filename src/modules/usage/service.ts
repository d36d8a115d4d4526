import { DateTime } from 'luxon';
import type { Actor } from '../../actor.js';
import type { AppContext } from '../../context.js';
import { categoryLabel } from '../../domain/labels.js';
import { formatMicro, MICRO } from '../../domain/money.js';
import { addDays, daysBetween, daysLeftInPeriod, isDateKey, periodDays } from '../../domain/periods.js';
import { percentOf, shareOf } from '../../domain/shares.js';
import { bucketOf, inSupportedYears, localDate, MAX_YEAR, MIN_YEAR, periodContaining, startOfLocalDay } from '../../domain/time.js';
import { TallyError } from '../../errors.js';
import { scopedUsers } from '../allocations/index.js';
import { effectiveMeters, type Meter } from '../meters/index.js';
import { requireOrg } from '../orgs/index.js';
import { resolvePeriod } from '../statements/index.js';
import { memberNames } from '../members/index.js';
import { gaugesBefore, includedBlocks, usageByDimension, usageSeries, type Dimension } from './queries.js';

/** Usage figures other modules read inside their own use case (the plan's gauges and period usage). */
export { latestGauge, usageByMeter } from './queries.js';



interface Group {
  credits: bigint;
  events: number;
  quantity: bigint;
  meters: Set<string>;
}

/**
 * The count shown beside credits: for one meter (or meters sharing a unit and
 * an additive aggregation) its quantity in its unit (hours, tokens…), or its
 * event count for `count` meters (messages, runs, sessions); for a mix, events.
 */
function countOf(g: Group, meters: Map<string, Meter>): { count: string; unit: string } {
  const ms = [...g.meters].map((k) => meters.get(k));
  const units = new Set(ms.map((m) => m?.unit ?? ''));
  const aggregations = new Set(ms.map((m) => m?.aggregation ?? 'sum'));
  if (units.size === 1 && aggregations.size === 1) {
    const unit = [...units][0]!;
    const aggregation = [...aggregations][0]!;
    if (aggregation === 'count') return { count: String(g.events), unit };
    if (aggregation === 'sum') return { count: formatMicro(g.quantity), unit };
  }
  return { count: String(g.events), unit: 'events' };
}

/** Usage of a period by one dimension; a manager sees the members of their groups only. */
export async function usageBreakdown({ ctx, actor, orgId, period, by }: { ctx: AppContext; actor: Actor; orgId: string; period: string; by: Dimension }) {
  const users = await scopedUsers(ctx, actor, orgId, undefined);
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const p = resolvePeriod(org, period, ctx.clock.now());
    const { first, end } = periodDays(p, org.timezone);
    const [found, meters] = await Promise.all([usageByDimension(q, org.id, by, { fromDay: first, toDay: end, startsAt: p.startsAt, endsAt: p.endsAt }, users), effectiveMeters(q, org.id)]);
    const groups = new Map<string, Group>();
    for (const r of found) {
      const key = by === 'meter' ? r.meter : by === 'category' ? (meters.get(r.meter)?.category ?? 'other') : r.key;
      const g = groups.get(key) ?? { credits: 0n, events: 0, quantity: 0n, meters: new Set<string>() };
      g.credits += r.credits;
      g.events += r.events;
      g.quantity += r.quantity;
      g.meters.add(r.meter);
      groups.set(key, g);
    }
    const total = [...groups.values()].reduce((s, g) => s + g.credits, 0n);
    // a user row reads as the member's name; an id no member has stays as sent
    const names = by === 'user' ? await memberNames(q, org.id, [...groups.keys()].filter((k) => k !== '')) : new Map<string, string>();
    const data = [...groups]
      .sort(([ka, a], [kb, b]) => (a.credits === b.credits ? ka.localeCompare(kb) : a.credits > b.credits ? -1 : 1))
      .map(([key, g]) => {
        const { count, unit } = countOf(g, meters);
        const label =
          by === 'meter' ? (meters.get(key)?.name ?? key) : by === 'category' ? categoryLabel(key) : (names.get(key) ?? (key || '(none)'));
        return { key: key === '' ? null : key, label, credits: formatMicro(g.credits), share: shareOf(g.credits, total), count, count_unit: unit };
      });
    return { period: p.key, by, total_credits: formatMicro(total), data };
  });
}

const MAX_DAYS = 400;
const MAX_HOURS = 24 * 62;
const tooLong = (granularity: 'day' | 'hour') =>
  new TallyError('invalid_request', `The range is too long: at most ${granularity === 'day' ? MAX_DAYS : MAX_HOURS} ${granularity}s.`);

/** A date ("2026-03-01", local midnight; as `to`, through that day) or an ISO instant, inside the supported years. */
function boundary(value: string, zone: string, isEnd: boolean): Date {
  const at = parseBoundary(value, zone, isEnd);
  if (!inSupportedYears(at)) throw new TallyError('invalid_request', `"${value}" is outside the supported dates (${MIN_YEAR} to ${MAX_YEAR}).`);
  return at;
}

function parseBoundary(value: string, zone: string, isEnd: boolean): Date {
  if (isDateKey(value)) return startOfLocalDay(isEnd ? addDays(value, 1) : value, zone);
  const at = DateTime.fromISO(value, { setZone: true });
  if (!at.isValid || !/[zZ]|[+-]\d{2}:?\d{2}$/.test(value)) {
    throw new TallyError('invalid_request', `"${value}" is neither a date (YYYY-MM-DD) nor an ISO-8601 timestamp with a zone.`);
  }
  return at.toJSDate();
}

/** Usage over time; a manager sees the members of their groups only. */
export async function usageSeriesFor(args: {
  ctx: AppContext;
  actor: Actor;
  orgId: string;
  from?: string | undefined;
  to?: string | undefined;
  granularity: 'day' | 'hour';
  meter?: string | undefined;
  includeZero: boolean;
}) {
  const { ctx, actor, orgId, granularity } = args;
  const users = await scopedUsers(ctx, actor, orgId, undefined);
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const zone = org.timezone;
    const now = ctx.clock.now();
    const today = localDate(now, zone);
    // Default: the last 30 days, today included.
    let to = args.to === undefined ? startOfLocalDay(addDays(today, 1), zone) : boundary(args.to, zone, true);
    let from = args.from === undefined ? startOfLocalDay(addDays(localDate(new Date(to.getTime() - 1), zone), -29), zone) : boundary(args.from, zone, false);
    if (granularity === 'day') {
      // whole local days
      from = startOfLocalDay(localDate(from, zone), zone);
      const lastDay = localDate(new Date(to.getTime() - 1), zone);
      to = startOfLocalDay(addDays(lastDay, 1), zone);
    } else {
      // whole local hours
      from = bucketOf(from.getTime(), zone).hourStart;
      to = new Date(bucketOf(to.getTime() - 1, zone).hourStart.getTime() + 3_600_000);
    }
    if (to <= from) throw new TallyError('invalid_request', '"to" must be after "from".');
    // the length is checked before the buckets are listed: a range of centuries is refused, not walked
    const limit = granularity === 'day' ? MAX_DAYS : MAX_HOURS;
    const approx = (to.getTime() - from.getTime()) / (granularity === 'day' ? 86_400_000 : 3_600_000);
    if (approx > limit + 1) throw tooLong(granularity);
    const buckets =
      granularity === 'day'
        ? daysBetween(localDate(from, zone), localDate(to, zone))
        : Array.from({ length: Math.round((to.getTime() - from.getTime()) / 3_600_000) }, (_, i) =>
            new Date(from.getTime() + i * 3_600_000).toISOString().replace('.000Z', 'Z'),
          );
    if (buckets.length > limit) throw tooLong(granularity);
    const meters = await effectiveMeters(q, org.id);
    if (args.meter !== undefined && !meters.has(args.meter)) {
      throw new TallyError('unknown_meter', `No meter "${args.meter}" is defined for this organization.`);
    }
    const found = await usageSeries(q, { orgId: org.id, zone, from, to, granularity, meter: args.meter, users: users });
    const byMeter = new Map<string, Map<string, (typeof found)[number]>>();
    for (const r of found) {
      const m = byMeter.get(r.meter) ?? new Map();
      m.set(r.t, r);
      byMeter.set(r.meter, m);
    }
    const keys = args.includeZero ? (args.meter !== undefined ? [args.meter] : [...meters.keys()]) : [...byMeter.keys()];
    const isGauge = (key: string) => ['max', 'latest'].includes(meters.get(key)?.aggregation ?? '');
    const carried = await gaugesBefore(q, org.id, keys.filter(isGauge), from);
    const nowBucket = granularity === 'day' ? today : bucketOf(now.getTime(), zone).hourStart.toISOString().replace('.000Z', 'Z');
    const series = keys.sort().map((key) => {
      const meter = meters.get(key);
      const gauge = meter?.aggregation === 'max' || meter?.aggregation === 'latest';
      const rowsOf = byMeter.get(key) ?? new Map<string, (typeof found)[number]>();
      const quantityOf = (r: (typeof found)[number]): bigint =>
        gauge ? r.maxQuantity : meter?.aggregation === 'count' ? BigInt(r.events) * MICRO : r.quantity;
      // A gauge is a level, not a flow: a bucket without a reading (today before its
      // first reading, a quiet hour) shows the last level, up to now, never a drop to 0.
      let level = carried.get(key) ?? 0n;
      const points = buckets.map((t) => {
        const r = rowsOf.get(t);
        if (gauge && r) level = quantityOf(r);
        const quantity = r ? quantityOf(r) : gauge && t <= nowBucket ? level : 0n;
        return { t, credits: r?.credits ?? 0n, quantity, events: r?.events ?? 0 };
      });
      return {
        meter: key,
        name: meter?.name ?? key,
        unit: meter?.unit ?? '',
        aggregation: meter?.aggregation ?? 'sum',
        total_credits: formatMicro(points.reduce((sum, p) => sum + p.credits, 0n)),
        points: points.map((p) => ({ t: p.t, credits: formatMicro(p.credits), quantity: formatMicro(p.quantity), events: p.events })),
      };
    });
    return {
      granularity,
      from: from.toISOString(),
      to: to.toISOString(),
      time_zone: zone,
      series,
    };
  });
}

export function includedUsage({ ctx, orgId }: { ctx: AppContext; orgId: string }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const now = ctx.clock.now();
    const period = periodContaining(now, org.timezone);
    const blocks = await includedBlocks(q, org.id, period.startsAt, period.endsAt, now);
    let granted = 0n;
    let used = 0n;
    let remaining = 0n;
    for (const b of blocks) {
      granted += b.amount;
      // what is left in a block whose expiry is not booked yet will expire: not used
      used += b.amount - b.remaining - b.expiredAmount;
      if (b.expiresAt === null || b.expiresAt > now) remaining += b.remaining;
    }
    return {
      period: period.key,
      granted: formatMicro(granted),
      used: formatMicro(used),
      remaining: formatMicro(remaining),
      pct_used: percentOf(used, granted) ?? 0,
      days_left: daysLeftInPeriod(now, org.timezone),
      period_ends_at: period.endsAt.toISOString(),
    };
  });
}
