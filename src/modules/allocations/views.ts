import { usagePct } from '../../domain/cycles.js';
import { formatMicro } from '../../domain/money.js';
import type { CycleRow } from './cycleQueries.js';
import type { MemberRow } from '../members/index.js';
import type { GroupRow, SettingsRow } from './queries.js';
import { cycleRemaining, effectiveExtra, figuresOf, memberBudget, remainingOf, totalHeld, type BudgetState } from './state.js';

const fmtOrNull = (v: bigint | null): string | null => (v === null ? null : formatMicro(v));

export function cycleView(c: CycleRow, used: bigint, held: bigint, limit: bigint | null) {
  return {
    id: c.id,
    starts_at: c.startsAt.toISOString(),
    ends_at: c.endsAt.toISOString(),
    closed_at: c.closedAt?.toISOString() ?? null,
    cadence: c.cadence,
    credits_per_cycle: fmtOrNull(limit),
    used: formatMicro(used),
    held: formatMicro(held),
    available: limit === null ? null : formatMicro(limit - used - held),
    usage_pct: usagePct(used, limit),
  };
}

export function currentCycleOut(s: BudgetState) {
  const limit = s.settings.creditsPerCycle;
  const view = cycleView(s.cycle, s.cycleUsed, totalHeld(s), limit);
  const remaining = cycleRemaining(s);
  return { ...view, available: remaining === null ? null : formatMicro(remaining) };
}

export function settingsView(s: SettingsRow, creditFactor: bigint, timezone: string) {
  return {
    credits_per_cycle: fmtOrNull(s.creditsPerCycle),
    cycle_cadence: s.cycleCadence,
    credit_factor: formatMicro(creditFactor),
    credits_per_new_user: formatMicro(s.creditsPerNewUser),
    capture_excess_pct: s.captureExcessPct,
    timezone,
    updated_at: s.updatedAt.toISOString(),
  };
}

export function groupView(s: BudgetState, g: GroupRow) {
  const f = figuresOf(s, g);
  return {
    id: g.id,
    name: g.name,
    is_default: g.isDefault,
    members: f.members,
    monthly_allocation: formatMicro(g.monthlyAllocation),
    extra: formatMicro(effectiveExtra(g, s.cycle)),
    distributed: formatMicro(f.distributed),
    available: formatMicro(f.available),
    auto_approve_reserve: formatMicro(g.autoApproveReserve),
    auto_approve_remaining: formatMicro(f.autoApproveRemaining),
    used: formatMicro(f.used),
    held: formatMicro(f.held),
    created_at: g.createdAt.toISOString(),
    updated_at: g.updatedAt.toISOString(),
  };
}

export function memberView(s: BudgetState, m: MemberRow) {
  const b = memberBudget(s, m);
  return {
    id: m.id,
    email: m.email,
    name: m.name,
    role: m.role,
    group_id: m.groupId,
    monthly: fmtOrNull(m.monthly),
    extra: formatMicro(b.extra),
    used: formatMicro(b.used),
    held: formatMicro(b.held),
    remaining: formatMicro(remainingOf(s, m)),
    managed_group_ids: m.managedGroupIds,
    created_at: m.createdAt.toISOString(),
    updated_at: m.updatedAt.toISOString(),
  };
}
