import { DateTime } from 'luxon';
import { compareDrawOrder, type DrawBlock } from './drawdown.js';

/**
 * Forecast (SPEC §3.17): pure maths, no I/O and no clock. From the trailing
 * daily usage it derives a burn rate, then walks the horizon day by day in the
 * organization's zone following the ledger's own rules: disbursements start on
 * their dates, blocks expire on theirs (what is left then is projected waste),
 * each day's usage is drawn in the SPEC §3.3 order, auto-recharge buys within
 * its monthly cap. A group or member scope forecasts its remaining cycle
 * allocation instead, which resets to the scope's allocation at each cycle end.
 */

export interface ForecastBlock extends DrawBlock {
  source: 'included' | 'purchased' | 'promotional' | 'adjustment';
}

export interface ForecastRecharge {
  threshold: bigint;
  amount: bigint;
  maxPerMonth: number;
  /** auto-recharge purchases started this calendar month (failed ones excluded) */
  startedThisMonth: number;
}

export interface ForecastParams {
  now: Date;
  zone: string;
  horizonDays: number;
  /** usage per complete local day before today, oldest first, zeros included (at most the last 30 are used) */
  history: { date: string; credits: bigint }[];
  /** usage so far today */
  usedToday: bigint;
  /** which trailing window sets the pace; the other is reported beside it */
  pace?: 7 | 30;
  /** the ledger (organization scope) */
  ledger?: | undefined | {
    blocks: ForecastBlock[];
    held: bigint;
    recharge: ForecastRecharge | null;
  };
  /** a group's or member's cycle allocation (group/member scope) */
  allocation?: | undefined | {
    remaining: bigint;
    /** the allocation a new cycle starts with */
    perCycle: bigint;
  };
  /** the current billing period's end and its usage so far */
  period: { endsAt: Date; used: bigint };
  /** the current cycle's end and its usage so far (of the scope) */
  cycle: { endsAt: Date; used: bigint } | null;
  /** cycle ends within the horizon, after the current one (allocation scopes reset there) */
  cycleEnds?: Date[];
}

export interface ForecastDay {
  date: string;
  usage: bigint;
  /** available (org) or remaining allocation (scope) at the end of the day */
  balance: bigint;
  /** usage of the day that nothing could pay */
  unpaid: bigint;
  expired: bigint;
  started: bigint;
  recharged: bigint;
}

export interface ForecastResult {
  burn: {
    rate7: bigint;
    rate30: bigint;
    days7: number;
    days30: number;
    pace: 7 | 30;
    weekdayAware: boolean;
    /** projected usage of a full day, Monday (index 0) to Sunday */
    weekday: bigint[];
  };
  days: ForecastDay[];
  runOutDate: string | null;
  waste: { blockId: string; grantId: string; date: string; expiresAt: Date; amount: bigint }[];
  wasteTotal: bigint;
  period: { used: bigint; rest: bigint; total: bigint };
  cycle: { used: bigint; rest: bigint; total: bigint } | null;
  renewal: { date: string; at: Date; shortfall: bigint } | null;
  assumptions: string[];
}

/** Weekday shape needs every weekday seen at least twice. */
const WEEKDAY_MIN_DAYS = 14;

const weekdayOf = (date: string): number => DateTime.fromISO(date).weekday - 1;

const mean = (xs: bigint[]): bigint => (xs.length === 0 ? 0n : xs.reduce((a, b) => a + b, 0n) / BigInt(xs.length));

/**
 * Burn rate: the mean daily usage of the trailing 7 and 30 complete days, or
 * of the days with history when there are fewer. With two weeks or more, each
 * weekday's share of the 30-day window shapes the pace (a Monday-heavy team
 * burns more on Mondays); with less, every day burns at the pace.
 */
export function burnRate(history: { date: string; credits: bigint }[], pace: 7 | 30 = 30): ForecastResult['burn'] {
  const last30 = history.slice(-30);
  const last7 = history.slice(-7);
  const rate7 = mean(last7.map((d) => d.credits));
  const rate30 = mean(last30.map((d) => d.credits));
  const base = pace === 7 ? rate7 : rate30;
  const weekdayAware = last30.length >= WEEKDAY_MIN_DAYS && rate30 > 0n;
  const weekday = Array.from({ length: 7 }, (_, w) => {
    if (!weekdayAware) return base;
    const same = last30.filter((d) => weekdayOf(d.date) === w).map((d) => d.credits);
    return (base * mean(same)) / rate30;
  });
  return { rate7, rate30, days7: last7.length, days30: last30.length, pace, weekdayAware, weekday };
}

interface SimBlock extends ForecastBlock {
  expiredAt: boolean;
}

export function forecast(p: ForecastParams): ForecastResult {
  const burn = burnRate(p.history, p.pace ?? 30);
  const assumptions = [
    burn.days30 === 0
      ? 'No complete day of usage yet: projected usage is zero.'
      : `Pace: mean daily usage of the last ${burn.pace === 7 ? burn.days7 : burn.days30} complete day(s)` +
        (burn.weekdayAware ? ', shaped by weekday over the last ' + burn.days30 + ' days.' : ' (fewer than 14 days: no weekday shape).'),
    "Today's projected usage is the day's pace less what was used so far today.",
  ];
  const blocks: SimBlock[] = (p.ledger?.blocks ?? []).map((b) => ({ ...b, expiredAt: false }));
  const recharge = p.ledger?.recharge ?? null;
  const held = p.ledger?.held ?? 0n;
  if (p.ledger) {
    assumptions.push('Pending disbursements start on their dates; blocks expire on theirs; usage is drawn in draw-down order (SPEC §3.3).');
    if (held > 0n) assumptions.push('Open holds stay reserved over the horizon.');
    if (recharge) assumptions.push('Auto-recharge buys its amount whenever available falls below its threshold, up to its monthly cap.');
  } else if (p.allocation) {
    assumptions.push('The remaining allocation resets to the allocation at each cycle end; unused allocation does not carry over.');
  }

  const days: ForecastDay[] = [];
  const waste: ForecastResult['waste'] = [];
  let runOutDate: string | null = null;
  let allocationLeft = p.allocation?.remaining ?? 0n;
  const resets = [...(p.cycleEnds ?? [])].sort((a, b) => a.getTime() - b.getTime());
  let rechargeMonth = DateTime.fromJSDate(p.now, { zone: p.zone }).toFormat('yyyy-MM');
  let rechargesLeft = recharge ? Math.max(0, recharge.maxPerMonth - recharge.startedThisMonth) : 0;
  let rechargeSeq = 0n;
  let periodRest = 0n;
  let cycleRest = 0n;
  const periodEnd = p.period.endsAt.getTime();
  const cycleEnd = p.cycle?.endsAt.getTime() ?? 0;

  const today = DateTime.fromJSDate(p.now, { zone: p.zone }).startOf('day');
  for (let i = 0; i <= p.horizonDays; i++) {
    const dayStart = today.plus({ days: i });
    const dayEnd = dayStart.plus({ days: 1 });
    const date = dayStart.toISODate()!;
    const from = i === 0 ? p.now.getTime() : dayStart.toMillis();
    const to = dayEnd.toMillis();
    const pace = burn.weekday[dayStart.weekday - 1]!;
    const usage = i === 0 ? (pace > p.usedToday ? pace - p.usedToday : 0n) : pace;
    // Rest of period and cycle: a day cut by their end counts for the part before it.
    periodRest += share(usage, from, to, periodEnd);
    if (p.cycle) cycleRest += share(usage, from, to, cycleEnd);

    const day: ForecastDay = { date, usage, balance: 0n, unpaid: 0n, expired: 0n, started: 0n, recharged: 0n };
    if (p.ledger) {
      for (const b of blocks) if (b.startsAt.getTime() >= from && b.startsAt.getTime() < to) day.started += b.remaining;
      // Usable today: started before the day ends and not expired before it begins.
      const usable = blocks
        .filter((b) => !b.expiredAt && b.startsAt.getTime() < to && (b.expiresAt === null || b.expiresAt.getTime() > from))
        .sort(compareDrawOrder);
      let due = draw(usable, usage);
      const available = (): bigint => sumActive(blocks, to) - held;
      const month = dayStart.toFormat('yyyy-MM');
      if (month !== rechargeMonth) {
        rechargeMonth = month;
        rechargesLeft = recharge?.maxPerMonth ?? 0;
      }
      while (recharge && rechargesLeft > 0 && recharge.amount > 0n && (due > 0n || available() < recharge.threshold)) {
        rechargesLeft--;
        const bought: SimBlock = {
          id: `projected_recharge_${++rechargeSeq}`,
          grantId: 'projected_recharge',
          source: 'purchased',
          priority: 50,
          startsAt: new Date(from),
          expiresAt: null,
          seq: BigInt(Number.MAX_SAFE_INTEGER) + rechargeSeq,
          remaining: recharge.amount,
          expiredAt: false,
        };
        blocks.push(bought);
        day.recharged += recharge.amount;
        due = draw([bought], due);
      }
      day.unpaid = due;
      for (const b of blocks) {
        if (b.expiredAt || b.expiresAt === null || b.expiresAt.getTime() > to) continue;
        b.expiredAt = true;
        if (b.remaining > 0n) {
          waste.push({ blockId: b.id, grantId: b.grantId, date, expiresAt: b.expiresAt, amount: b.remaining });
          day.expired += b.remaining;
        }
      }
      day.balance = available();
    } else if (p.allocation) {
      // A cycle ending today resets the allocation; usage before and after is split by time.
      let cursor = from;
      while (resets.length > 0 && resets[0]!.getTime() < to) {
        const at = Math.max(resets.shift()!.getTime(), cursor);
        const before = share(usage, from, to, at) - share(usage, from, to, cursor);
        day.unpaid += spend(before);
        allocationLeft = p.allocation.perCycle;
        cursor = at;
      }
      day.unpaid += spend(usage - share(usage, from, to, cursor));
      day.balance = allocationLeft;
    }
    if (runOutDate === null && day.unpaid > 0n) runOutDate = date;
    days.push(day);
  }

  function spend(amount: bigint): bigint {
    const paid = allocationLeft < amount ? (allocationLeft > 0n ? allocationLeft : 0n) : amount;
    allocationLeft -= paid;
    return amount - paid;
  }

  const periodUsed = p.period.used;
  const cycle = p.cycle ? { used: p.cycle.used, rest: cycleRest, total: p.cycle.used + cycleRest } : null;
  return {
    burn,
    days,
    runOutDate,
    waste,
    wasteTotal: waste.reduce((a, w) => a + w.amount, 0n),
    period: { used: periodUsed, rest: periodRest, total: periodUsed + periodRest },
    cycle,
    renewal: renewalAdvice(p, days, runOutDate),
    assumptions,
  };
}

/**
 * Early renewal: when the run-out date falls before the next renewal (the
 * next included disbursement, or the cycle end for an allocation), the
 * shortfall is what the projection could not pay before that renewal.
 */
function renewalAdvice(p: ForecastParams, days: ForecastDay[], runOutDate: string | null): ForecastResult['renewal'] {
  if (runOutDate === null) return null;
  let at: Date | null = null;
  if (p.ledger) {
    const next = p.ledger.blocks
      .filter((b) => b.source === 'included' && b.startsAt > p.now)
      .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())[0];
    // Without a scheduled included disbursement, included credit renews with the billing period.
    const hasIncluded = p.ledger.blocks.some((b) => b.source === 'included');
    at = next?.startsAt ?? (hasIncluded ? p.period.endsAt : null);
  } else if (p.cycle) {
    at = p.cycle.endsAt;
  }
  if (at === null) return null;
  const date = DateTime.fromJSDate(at, { zone: p.zone }).toISODate()!;
  if (runOutDate >= date) return null;
  const shortfall = days.filter((d) => d.date < date).reduce((a, d) => a + d.unpaid, 0n);
  return shortfall > 0n ? { date, at, shortfall } : null;
}

/** The part of a day's usage spread evenly over [from, to) that falls before `end`. */
function share(usage: bigint, from: number, to: number, end: number): bigint {
  if (end >= to) return usage;
  if (end <= from) return 0n;
  return (usage * BigInt(end - from)) / BigInt(to - from);
}

/** Draws `amount` from blocks already in draw-down order; returns what none could pay. */
function draw(ordered: SimBlock[], amount: bigint): bigint {
  let due = amount;
  for (const b of ordered) {
    if (due === 0n) break;
    const take = b.remaining < due ? b.remaining : due;
    b.remaining -= take;
    due -= take;
  }
  return due;
}

/** Credit in blocks started before `t` and not expired by it. */
function sumActive(blocks: SimBlock[], t: number): bigint {
  let total = 0n;
  for (const b of blocks) {
    if (b.expiredAt || b.startsAt.getTime() >= t) continue;
    if (b.expiresAt !== null && b.expiresAt.getTime() <= t) continue;
    total += b.remaining;
  }
  return total;
}
