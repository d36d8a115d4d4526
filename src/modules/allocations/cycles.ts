import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { cycleContaining, initialAnchor, type Cadence } from '../../domain/cycles.js';
import type { OrgRow } from '../orgs/index.js';
import { closeCycle, cycleIdOf, findLatestCycle, findOrgsWithEndedCycles, insertCycle, type CycleRow } from './cycleQueries.js';
import { findSettings, insertDefaultGroup, insertDefaultSettings, setCycleCadence, type SettingsRow } from './queries.js';

export function defaultSettings(org: Pick<OrgRow, 'timezone' | 'createdAt'>): SettingsRow {
  return {
    creditsPerCycle: null,
    cycleCadence: 'calendar_month',
    cycleAnchor: initialAnchor('calendar_month', org.timezone, org.createdAt),
    creditsPerNewUser: 0n,
    captureExcessPct: 0,
    updatedAt: org.createdAt,
  };
}

export async function loadSettings(q: Q, org: Pick<OrgRow, 'id' | 'timezone' | 'createdAt'>): Promise<SettingsRow> {
  return (await findSettings(q, org.id)) ?? defaultSettings(org);
}

/**
 * Gives an organization its settings and its `Default` group. Idempotent, so
 * organizations created before this module existed are set up on first use.
 */
export async function ensureOrgSetup(tx: Q, org: Pick<OrgRow, 'id' | 'timezone' | 'createdAt'>, now: Date): Promise<void> {
  const s = defaultSettings(org);
  await insertDefaultSettings(tx, org.id, s.cycleCadence, s.cycleAnchor, now);
  await insertDefaultGroup(tx, org.id, now);
}

function nextCycle(org: OrgRow, settings: SettingsRow, seq: number, now: Date): CycleRow {
  const b = cycleContaining(settings.cycleAnchor, settings.cycleCadence, org.timezone, now);
  return {
    id: cycleIdOf(seq),
    seq,
    startsAt: b.startsAt,
    endsAt: b.endsAt,
    cadence: settings.cycleCadence,
    creditsPerCycle: settings.creditsPerCycle,
    closedAt: null,
  };
}

/**
 * The cycle containing `now` without writing anything: the stored one, or,
 * when it has ended and no writer has rolled it over yet, the one that will
 * be stored next (same id, no usage yet). Reads never wait for the rollover.
 */
export async function currentCycleView(q: Q, org: OrgRow, settings: SettingsRow, now: Date): Promise<CycleRow> {
  return cycleViewOf(org, settings, await findLatestCycle(q, org.id), now);
}

/** currentCycleView from the latest stored cycle, already read. */
export function cycleViewOf(org: OrgRow, settings: SettingsRow, latest: CycleRow | undefined, now: Date): CycleRow {
  if (latest && latest.closedAt === null && now < latest.endsAt && now >= latest.startsAt) return latest;
  return nextCycle(org, settings, (latest?.seq ?? 0) + 1, now);
}

/** Rolls cycles over up to `now` and returns the open one. Needs the organization lock. */
export async function ensureCycle(tx: Q, org: OrgRow, now: Date, known?: SettingsRow): Promise<{ settings: SettingsRow; cycle: CycleRow }> {
  // `known`: the stored settings from the caller's configuration read under this lock (realtime/config.ts)
  let settings = known ?? (await findSettings(tx, org.id));
  if (!settings) {
    await ensureOrgSetup(tx, org, now);
    settings = await loadSettings(tx, org);
  }
  const latest = await findLatestCycle(tx, org.id);
  if (latest && latest.closedAt === null && now < latest.endsAt && now >= latest.startsAt) return { settings, cycle: latest };
  if (latest && latest.closedAt === null) await closeCycle(tx, org.id, latest.id, latest.endsAt < now ? latest.endsAt : now);
  const cycle = nextCycle(org, settings, (latest?.seq ?? 0) + 1, now);
  await insertCycle(tx, org.id, cycle);
  return { settings, cycle };
}

/** Closes the open cycle at `now` and starts a series anchored at `now` (reset, cadence change). */
export async function restartCycles(tx: Q, org: OrgRow, now: Date, cadence: Cadence): Promise<CycleRow> {
  const { cycle } = await ensureCycle(tx, org, now);
  await closeCycle(tx, org.id, cycle.id, now);
  await setCycleCadence(tx, org.id, cadence, now);
  const settings = await loadSettings(tx, org);
  const fresh = nextCycle(org, settings, cycle.seq + 1, now);
  await insertCycle(tx, org.id, fresh);
  return fresh;
}

/** The cycle-rollover job's query: organizations whose open cycle has ended. */
export async function orgsWithEndedCycles(ctx: AppContext): Promise<string[]> {
  const now = ctx.clock.now();
  return ctx.db.read((q) => findOrgsWithEndedCycles(q, now));
}
