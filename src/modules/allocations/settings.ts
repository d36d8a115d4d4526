import type { AppContext } from '../../context.js';
import type { Cadence } from '../../domain/cycles.js';
import type { Actor } from '../../actor.js';
import {recordAudit} from '../audit/index.js';
import { lockOrg, requireOrg, setCreditFactor } from '../orgs/index.js';
import { ensureCycle, loadSettings, restartCycles } from './cycles.js';
import { sumBig } from '../../domain/money.js';
import { findCycles, setCycleCreditsPerCycle } from './cycleQueries.js';
import { findHeldByMember, setCaptureExcessPct, setCreditsPerCycle, setCreditsPerNewUser, touchSettings } from './queries.js';
import { loadBudgetState } from './state.js';
import { currentCycleOut, cycleView, settingsView } from './views.js';

export interface SettingsInput {
  creditsPerCycle?: bigint | null | undefined;
  cycleCadence?: Cadence | undefined;
  creditFactor?: bigint | undefined;
  creditsPerNewUser?: bigint | undefined;
  captureExcessPct?: number | undefined;
}

export async function getSettings({ ctx, orgId }: { ctx: AppContext; orgId: string }) {
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    return settingsView(await loadSettings(q, org), org.creditFactor, org.timezone);
  });
}

/**
 * SPEC §3.7: a new credits_per_cycle applies to the open cycle at once (used
 * stays, available is recalculated); a new cadence closes the open cycle now
 * and starts a fresh series anchored at this instant.
 */
export async function updateSettings({ ctx, actor, orgId, input }: { ctx: AppContext; actor: Actor; orgId: string; input: SettingsInput }) {
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const { settings, cycle } = await ensureCycle(tx, org, now);
    const before = settingsView(settings, org.creditFactor, org.timezone);
    if (input.creditsPerCycle !== undefined) {
      await setCreditsPerCycle(tx, orgId, input.creditsPerCycle);
      await setCycleCreditsPerCycle(tx, orgId, cycle.id, input.creditsPerCycle);
    }
    if (input.creditsPerNewUser !== undefined) await setCreditsPerNewUser(tx, orgId, input.creditsPerNewUser);
    if (input.captureExcessPct !== undefined) await setCaptureExcessPct(tx, orgId, input.captureExcessPct);
    // The credit factor lives on the organization row (the ingest path reads it there).
    if (input.creditFactor !== undefined) await setCreditFactor(tx, orgId, input.creditFactor, now);
    if (input.cycleCadence !== undefined && input.cycleCadence !== settings.cycleCadence) {
      await restartCycles(tx, org, now, input.cycleCadence);
    }
    await touchSettings(tx, orgId, now);
    const fresh = await lockOrg(tx, orgId);
    const after = settingsView(await loadSettings(tx, fresh), fresh.creditFactor, fresh.timezone);
    await recordAudit(tx, { orgId, actor: actor.label, action: 'settings.update', target: orgId, before, after, at: now });
    return after;
  });
}

export async function getCurrentCycle({ ctx, orgId }: { ctx: AppContext; orgId: string }) {
  const now = ctx.clock.now();
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    return currentCycleOut(await loadBudgetState(q, org, now));
  });
}

/** "Reset cycle now": closes the open cycle at this instant; the fresh one's end is counted from now. */
export async function resetCycle({ ctx, actor, orgId }: { ctx: AppContext; actor: Actor; orgId: string }) {
  return ctx.db.transaction(async (tx) => {
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const { settings, cycle } = await ensureCycle(tx, org, now);
    const fresh = await restartCycles(tx, org, now, settings.cycleCadence);
    const state = await loadBudgetState(tx, org, now, fresh);
    const out = currentCycleOut(state);
    await recordAudit(tx, {
      orgId,
      actor: actor.label,
      action: 'cycle.reset',
      target: cycle.id,
      before: { id: cycle.id, starts_at: cycle.startsAt.toISOString(), ends_at: cycle.endsAt.toISOString() },
      after: out,
      at: now,
    });
    return out;
  });
}

/** Cycle history, newest first, each with its usage; the cursor is the last cycle's id. */
export async function listCycleHistory(args: { ctx: AppContext; orgId: string; before: string | undefined; limit: number }) {
  const { ctx, orgId, limit } = args;
  const beforeSeq = args.before && /^cyc_\d+$/.test(args.before) ? Number(args.before.slice(4)) : undefined;
  return ctx.db.read(async (q) => {
    await requireOrg(q, orgId);
    const found = await findCycles(q, orgId, beforeSeq, limit + 1);
    // Open holds reserve against the open cycle only; closed cycles hold nothing.
    const held = sumBig((await findHeldByMember(q, orgId, ctx.clock.now())).values());
    const data = found.slice(0, limit).map((c) => cycleView(c, c.used, c.closedAt === null ? held : 0n, c.creditsPerCycle));
    return { data, next: found.length > limit ? data[data.length - 1]!.id : null };
  });
}
