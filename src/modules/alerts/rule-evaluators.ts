import { DateTime } from 'luxon';
import { allocationLevel, isSpike, median } from '../../domain/alert-rules.js';
import { formatMicro, parseMicro } from '../../domain/money.js';
import { type BudgetState, figuresOf, remainingOf } from '../allocations/index.js';
import { dailyBySubject } from './rule-queries.js';
import type { Evaluator, Observation, RuleType } from './rule-types.js';

/** Trailing window of the spike median, in complete days. */
const SPIKE_DAYS = 14;

const localDay = (at: Date, zone: string, plusDays = 0): string =>
  DateTime.fromJSDate(at, { zone }).startOf('day').plus({ days: plusDays }).toISODate()!;

/** runway.low: the organization's forecast run-out date falls within N days (today counts as day 0). */
const runwayLow: Evaluator = async (c, config) => {
  const days = Number(config.days);
  const f = await c.orgForecast();
  const limit = localDay(c.now, c.org.timezone, days);
  const runOut = f.result.runOutDate;
  return [
    {
      subject: 'org',
      firing: runOut !== null && runOut <= limit,
      data: { days, run_out_date: runOut, available: formatMicro(f.start), burn_per_day: formatMicro(f.result.burn.rate30) },
    },
  ];
};

/** grant.expiring: one subject per block whose credit is projected to expire unused within N days. */
const grantExpiring: Evaluator = async (c, config) => {
  const days = Number(config.days);
  const limit = localDay(c.now, c.org.timezone, days);
  const f = await c.orgForecast();
  return f.result.waste
    .filter((w) => w.date <= limit)
    .map((w) => ({
      subject: `block:${w.blockId}`,
      firing: true,
      data: { days, grant_id: w.grantId, block_id: w.blockId, amount: formatMicro(w.amount), expires_at: w.expiresAt.toISOString() },
    }));
};

/** usage.spike: today's usage of the organization, each member or each project against its trailing 14-day median. */
const usageSpike: Evaluator = async (c, config) => {
  const zone = c.org.timezone;
  const scope = config.scope as 'org' | 'member' | 'project';
  const factor = Number(config.factor);
  const minCredits = parseMicro(String(config.min_credits ?? '0'));
  const today = localDay(c.now, zone);
  const created = localDay(c.org.createdAt, zone);
  const trailingDays: string[] = [];
  for (let i = SPIKE_DAYS; i >= 1; i--) {
    const d = localDay(c.now, zone, -i);
    if (d >= created) trailingDays.push(d);
  }
  const found = await dailyBySubject(c.tx, c.org.id, scope, trailingDays[0] ?? today, today);
  const bySubject = new Map<string, Map<string, bigint>>();
  for (const r of found) {
    const days = bySubject.get(r.subject) ?? new Map<string, bigint>();
    days.set(r.day, r.credits);
    bySubject.set(r.subject, days);
  }
  const out: Observation[] = [];
  for (const [subject, days] of bySubject) {
    const day = days.get(today) ?? 0n;
    const trailing = trailingDays.map((d) => days.get(d) ?? 0n);
    out.push({
      subject,
      firing: isSpike(day, trailing, Math.round(factor * 100), minCredits),
      data: { scope, subject, date: today, credits: formatMicro(day), median: formatMicro(median(trailing)), factor, min_credits: formatMicro(minCredits) },
    });
  }
  return out;
};

/** allocation.low: a member's or group's remaining allocation for the cycle below the level. */
const allocationLow: Evaluator = async (c, config) => {
  const s = await c.budget();
  const scope = String(config.scope);
  const threshold = config.credits !== undefined ? { credits: parseMicro(String(config.credits)) } : { pctBp: Math.round(Number(config.percent) * 100) };
  const out: Observation[] = [];
  const observe = (subject: string, remaining: bigint, allocation: bigint) => {
    const level = allocationLevel(threshold, allocation);
    out.push({
      subject,
      firing: remaining < level,
      data: { scope, subject, cycle_id: s.cycle.id, remaining: formatMicro(remaining), allocation: formatMicro(allocation), level: formatMicro(level) },
    });
  };
  const [kind, id] = scope.split(':') as [string, string | undefined];
  if (kind === 'members' || kind === 'member') {
    for (const m of s.members) if (kind === 'members' || m.id === id) observe(`member:${m.id}`, remainingOf(s, m), memberAllocation(s, m.id));
  } else {
    for (const g of s.groups) {
      if (kind === 'group' && g.id !== id) continue;
      const f = figuresOf(s, g);
      const allocation = g.monthlyAllocation + (g.extraCycleId === s.cycle.id ? g.extra : 0n);
      observe(`group:${g.id}`, allocation - f.used - f.held, allocation);
    }
  }
  return out;
};

/** A member's allocation this cycle: their own (monthly + extra), or their group's when pooled. */
function memberAllocation(s: BudgetState, memberId: string): bigint {
  const m = s.members.find((x) => x.id === memberId)!;
  const extra = m.extraCycleId === s.cycle.id ? m.extra : 0n;
  if (m.monthly !== null) return m.monthly + extra;
  const g = s.groups.find((x) => x.id === m.groupId);
  return (g?.monthlyAllocation ?? 0n) + extra;
}

export const EVALUATORS: Record<RuleType, Evaluator> = {
  'runway.low': runwayLow,
  'grant.expiring': grantExpiring,
  'usage.spike': usageSpike,
  'allocation.low': allocationLow,
};
