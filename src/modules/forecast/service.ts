import { creditsText } from '../../domain/display.js';
import { DateTime } from 'luxon';
import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { cycleContaining } from '../../domain/cycles.js';
import { forecast, type ForecastParams, type ForecastResult } from '../../domain/forecast.js';
import { formatMicro } from '../../domain/money.js';
import { periodContaining } from '../../domain/time.js';
import type { Actor } from '../../actor.js';
import { memberNotFound, TallyError } from '../../errors.js';
import {
  type BudgetState,
  canSeeGroup,
  canSeeMember,
  figuresOf,
  forbidden,
  groupOf,
  loadBudgetState,
  memberOf,
  remainingOf,
  scopeOf,
} from '../allocations/index.js';
import { balanceNow } from '../balance/index.js';
import { type OrgRow, requireOrg } from '../orgs/index.js';
import { dailyCredits, projectableBlocks, rechargeRule } from './queries.js';

export type ForecastScope = { kind: 'org' } | { kind: 'group'; id: string } | { kind: 'member'; id: string };

export const DEFAULT_HORIZON_DAYS = 90;

export function parseScope(text: string): ForecastScope {
  if (text === 'org') return { kind: 'org' };
  const match = /^(group|member):([A-Za-z0-9_-]{1,64})$/.exec(text);
  if (!match) throw new TallyError('invalid_request', `Scope "${text.slice(0, 80)}" is not "org", "group:<id>" or "member:<id>".`);
  return { kind: match[1] as 'group' | 'member', id: match[2]! };
}

export const scopeText = (s: ForecastScope): string => (s.kind === 'org' ? 'org' : `${s.kind}:${s.id}`);

export interface ScopedForecast {
  scope: ForecastScope;
  org: OrgRow;
  now: Date;
  /** available (org) or remaining allocation (group, member) now: the projection starts from it */
  start: bigint;
  periodKey: string;
  cycle: { id: string; endsAt: Date } | null;
  result: ForecastResult;
}

/** The local days of the trailing window, oldest first: up to 30 complete days, none before the organization existed. */
function historyDays(org: OrgRow, now: Date): { days: string[]; today: string } {
  const today = DateTime.fromJSDate(now, { zone: org.timezone }).startOf('day');
  const firstDay = DateTime.fromJSDate(org.createdAt, { zone: org.timezone }).startOf('day');
  const days: string[] = [];
  for (let i = 30; i >= 1; i--) {
    const d = today.minus({ days: i });
    if (d >= firstDay) days.push(d.toISODate()!);
  }
  return { days, today: today.toISODate()! };
}

/** Cycle ends after the current one, up to the horizon's end. */
function laterCycleEnds(s: BudgetState, zone: string, until: Date): Date[] {
  const ends: Date[] = [];
  let end = s.cycle.endsAt;
  while (end < until && ends.length < 5000) {
    ends.push(end);
    end = cycleContaining(s.settings.cycleAnchor, s.settings.cycleCadence, zone, end).endsAt;
  }
  return ends;
}

/**
 * The forecast of one scope at `now`, read in one snapshot (`q`). Usage of a
 * member is the usage whose `user` is the member; a group's is its members'.
 * The organization scope starts from the same available figure the balance
 * endpoint shows, so the projection reconciles with it.
 */
export async function forecastScope(q: Q, org: OrgRow, scope: ForecastScope, now: Date, horizonDays: number): Promise<ScopedForecast> {
  const zone = org.timezone;
  const state = await loadBudgetState(q, org, now);
  let userIds: string[] | null = null;
  let allocation: ForecastParams['allocation'];
  let start: bigint;
  if (scope.kind === 'member') {
    const m = memberOf(state, scope.id);
    userIds = [m.id];
    start = remainingOf(state, m);
    const perCycle = m.monthly ?? groupOf(state, m.groupId).monthlyAllocation;
    allocation = { remaining: start, perCycle };
  } else if (scope.kind === 'group') {
    const g = groupOf(state, scope.id);
    userIds = state.members.filter((m) => m.groupId === g.id).map((m) => m.id);
    const f = figuresOf(state, g);
    // The group's remaining allocation for the cycle: its budget less what all its members used or hold.
    start = g.monthlyAllocation + (g.extraCycleId === state.cycle.id ? g.extra : 0n) - f.used - f.held;
    allocation = { remaining: start, perCycle: g.monthlyAllocation };
  } else {
    start = 0n;
  }
  const { days, today } = historyDays(org, now);
  const period = periodContaining(now, zone);
  const periodFirstDay = DateTime.fromJSDate(period.startsAt, { zone }).toISODate()!;
  const cycleFirstDay = DateTime.fromJSDate(state.cycle.startsAt, { zone }).toISODate()!;
  const earliest = [days[0] ?? today, periodFirstDay, cycleFirstDay].sort()[0]!;
  const usage = await dailyCredits(q, org.id, earliest, today, userIds);
  const sumFrom = (first: string): bigint => [...usage].filter(([d]) => d >= first).reduce((a, [, c]) => a + c, 0n);
  const horizonEnd = DateTime.fromJSDate(now, { zone }).startOf('day').plus({ days: horizonDays + 1 }).toJSDate();

  let ledger: ForecastParams['ledger'];
  if (scope.kind === 'org') {
    const { summary } = await balanceNow(q, org.id, now);
    const blocks = await projectableBlocks(q, org.id, now);
    const recharge = await rechargeRule(q, org.id, period.startsAt);
    ledger = { blocks, held: summary.held, recharge };
    start = summary.available;
  }
  const cycleUsed = scope.kind === 'org' ? state.cycleUsed : sumFrom(cycleFirstDay);
  const result = forecast({
    now,
    zone,
    horizonDays,
    history: days.map((date) => ({ date, credits: usage.get(date) ?? 0n })),
    usedToday: usage.get(today) ?? 0n,
    ledger,
    allocation,
    period: { endsAt: period.endsAt, used: sumFrom(periodFirstDay) },
    cycle: { endsAt: state.cycle.endsAt, used: cycleUsed },
    cycleEnds: allocation ? laterCycleEnds(state, zone, horizonEnd) : [],
  });
  return { scope, org, now, start, periodKey: period.key, cycle: { id: state.cycle.id, endsAt: state.cycle.endsAt }, result };
}

/** Who may see which scope (SPEC §1): owners and billing admins everything, managers their groups and their members, a member themselves. */
async function assertScopeVisible(q: Q, actor: Actor, org: OrgRow, scope: ForecastScope, now: Date): Promise<void> {
  const s = await scopeOf(q, actor, org.id);
  if (s.all) return;
  if (scope.kind === 'org') throw forbidden('see the organization forecast (owners and billing admins can)');
  if (scope.kind === 'group') {
    if (!canSeeGroup(s, scope.id)) throw forbidden("see this group's forecast");
    return;
  }
  const state = await loadBudgetState(q, org, now);
  const m = state.members.find((x) => x.id === scope.id);
  // A member outside the actor's reach answers as if it did not exist.
  if (!m || !canSeeMember(s, m)) throw memberNotFound(scope.id);
}

export function getForecast(args: { ctx: AppContext; actor: Actor; orgId: string; scope: ForecastScope; horizonDays: number }) {
  const { ctx, orgId } = args;
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const now = ctx.clock.now();
    await assertScopeVisible(q, args.actor, org, args.scope, now);
    return forecastView(await forecastScope(q, org, args.scope, now, args.horizonDays));
  });
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export function forecastView(f: ScopedForecast) {
  const r = f.result;
  const fmt = formatMicro;
  const paceDays = r.burn.pace === 7 ? r.burn.days7 : r.burn.days30;
  return {
    scope: scopeText(f.scope),
    as_of: f.now.toISOString(),
    timezone: f.org.timezone,
    horizon_days: r.days.length - 1,
    starting_balance: fmt(f.start),
    burn_rate: {
      last_7_days: { per_day: fmt(r.burn.rate7), days: r.burn.days7 },
      last_30_days: { per_day: fmt(r.burn.rate30), days: r.burn.days30 },
      pace: `${r.burn.pace}d` as const,
      weekday_aware: r.burn.weekdayAware,
      by_weekday: Object.fromEntries(WEEKDAYS.map((d, i) => [d, fmt(r.burn.weekday[i]!)])) as Record<(typeof WEEKDAYS)[number], string>,
    },
    days: r.days.map((d) => ({
      date: d.date,
      usage: fmt(d.usage),
      balance: fmt(d.balance),
      unpaid: fmt(d.unpaid),
      started: fmt(d.started),
      expired: fmt(d.expired),
      recharged: fmt(d.recharged),
    })),
    run_out_date: r.runOutDate,
    projected_waste: {
      total: fmt(r.wasteTotal),
      blocks: r.waste.map((w) => ({ block_id: w.blockId, grant_id: w.grantId, date: w.date, amount: fmt(w.amount) })),
    },
    period: { key: f.periodKey, used: fmt(r.period.used), projected_rest: fmt(r.period.rest), projected_total: fmt(r.period.total) },
    cycle:
      r.cycle && f.cycle
        ? { id: f.cycle.id, ends_at: f.cycle.endsAt.toISOString(), used: fmt(r.cycle.used), projected_rest: fmt(r.cycle.rest), projected_total: fmt(r.cycle.total) }
        : null,
    early_renewal: r.renewal
      ? {
          renewal_date: r.renewal.date,
          shortfall: fmt(r.renewal.shortfall),
          message: `At the last ${paceDays} days' pace you need about ${wholeCredits(r.renewal.shortfall)} more credits before ${r.renewal.date}.`,
        }
      : null,
    assumptions: r.assumptions,
  };
}

/** "4,200": the advice speaks in whole credits, rounded up (a shortfall is never understated). */
function wholeCredits(micro: bigint): string {
  const whole = (micro + 999_999n) / 1_000_000n;
  return creditsText(whole * 1_000_000n);
}
