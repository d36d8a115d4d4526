import type { Q } from '../../db/client.js';
import { capWindowContaining, type CycleSeries, type WindowBounds } from '../../domain/capWindows.js';
import { loadSettings, type SettingsRow } from '../allocations/index.js';
import type { KnownConfig } from '../ledger/index.js';
import type { OrgRow } from '../orgs/index.js';
import {
  addToCapCounters,
  counterKey,
  existingCapCounters,
  findCaps,
  findMembership,
  insertCapCounters,
  readCapCounters,
  recomputeCapUsed,
  type CapRow,
  type CapWindowRow,
} from './queries.js';

export interface CapUsage {
  cap: CapRow;
  window: WindowBounds;
  /** credits of usage recorded in the window */
  used: bigint;
  /** credits of open holds the cap sees (they will become usage) */
  held: bigint;
  /** limit − used − held, never below zero */
  remaining: bigint;
  /** recorded usage has reached the limit */
  exceeded: boolean;
}

type OrgTime = Pick<OrgRow, 'id' | 'timezone' | 'createdAt'>;

async function cycleOf(q: Q, org: OrgTime, caps: CapRow[], now: Date, known?: SettingsRow): Promise<CycleSeries> {
  const settings = caps.some((c) => c.window === 'cycle') ? (known ?? (await loadSettings(q, org))) : null;
  return settings ? { anchor: settings.cycleAnchor, cadence: settings.cycleCadence } : { anchor: now, cadence: '1d' };
}

const windowRow = (cap: CapRow, bounds: WindowBounds): CapWindowRow => ({
  id: cap.id,
  kind: cap.scopeKind,
  scopeId: cap.scopeId,
  startsAt: bounds.startsAt,
  endsAt: bounds.endsAt,
});

/**
 * Each cap's use in its current window: the window's counter and the open
 * holds the cap sees, one statement for all caps (after the settings read a
 * `cycle` window needs). A window with no counter yet (a new cap, a new
 * window, a cycle reset) is recomputed from the facts; with `seed` (callers
 * holding the organization lock) the result is stored so that the write
 * path keeps it from then on.
 */
export async function capUsage(q: Q, org: OrgTime, caps: CapRow[], now: Date, opts: { seed?: boolean } = {}): Promise<CapUsage[]> {
  if (caps.length === 0) return [];
  const cycle = await cycleOf(q, org, caps, now);
  const windows = caps.map((cap) => ({ cap, bounds: capWindowContaining(cap.window, org.timezone, now, cycle) }));
  const rows = windows.map((w) => windowRow(w.cap, w.bounds));
  const counted = await readCapCounters(q, org.id, now, rows);
  const missing = rows.filter((r) => (counted.get(r.id)?.used ?? null) === null);
  const recomputed = await recomputeCapUsed(q, org.id, missing);
  if (opts.seed) {
    await insertCapCounters(q, org.id, missing.map((r) => ({ capId: r.id, windowStart: r.startsAt, used: recomputed.get(r.id) ?? 0n })));
  }
  return windows.map(({ cap, bounds }) => {
    const c = counted.get(cap.id);
    const used = c?.used ?? recomputed.get(cap.id) ?? 0n;
    const held = c?.held ?? 0n;
    const left = cap.limit - used - held;
    return { cap, window: bounds, used, held, remaining: left > 0n ? left : 0n, exceeded: used >= cap.limit };
  });
}

/** One piece of usage as caps see it; `credits` may be negative (a voided or amended usage). */
export interface CapFact {
  /** the usage's own time: an event's timestamp, a capture's time */
  at: Date;
  credits: bigint;
  userId: string | null;
  project: string | null;
  apiKeyId: string | null;
  /** null for a hold capture, which no meter cap sees */
  meter: string | null;
}

function matches(cap: CapRow, f: CapFact, groupOf: Map<string, string>): boolean {
  switch (cap.scopeKind) {
    case 'org':
      return true;
    case 'member':
      return f.userId === cap.scopeId;
    case 'group':
      return f.userId !== null && groupOf.get(f.userId) === cap.scopeId;
    case 'project':
      return f.project === cap.scopeId;
    case 'api_key':
      return f.apiKeyId === cap.scopeId;
    case 'meter':
      return f.meter === cap.scopeId;
  }
}

/**
 * Keeps the cap counters: call inside the transaction that wrote (or voided)
 * the usage, under the organization lock, after the facts themselves are
 * written. Usage in a cap's current window is added to its counter; a window
 * not counted yet is seeded from the facts (which already include these).
 * Usage outside the current window changes nothing any reader will ask for.
 */
export async function recordCapUsage(tx: Q, org: OrgTime, facts: CapFact[], now: Date, known?: KnownConfig): Promise<void> {
  if (!facts.some((f) => f.credits !== 0n)) return;
  const caps = known?.caps ?? (await findCaps(tx, org.id));
  if (caps.length === 0) return;
  const cycle = await cycleOf(tx, org, caps, now, known?.settings);
  const groupOf = !caps.some((c) => c.scopeKind === 'group')
    ? new Map<string, string>()
    : known
      ? new Map(known.members.map((m) => [m.id, m.groupId]))
      : (await findMembership(tx, org.id)).groupOf;
  const deltas = new Map<string, { row: CapWindowRow; delta: bigint }>();
  for (const cap of caps) {
    const bounds = capWindowContaining(cap.window, org.timezone, now, cycle);
    for (const f of facts) {
      if (f.credits === 0n || f.at < bounds.startsAt || f.at >= bounds.endsAt || !matches(cap, f, groupOf)) continue;
      const d = deltas.get(cap.id);
      if (d) d.delta += f.credits;
      else deltas.set(cap.id, { row: windowRow(cap, bounds), delta: f.credits });
    }
  }
  if (deltas.size === 0) return;
  const all = [...deltas.values()];
  const existing = await existingCapCounters(tx, org.id, all.map((d) => ({ capId: d.row.id, windowStart: d.row.startsAt })));
  const kept = all.filter((d) => existing.has(counterKey(d.row.id, d.row.startsAt)));
  const fresh = all.filter((d) => !existing.has(counterKey(d.row.id, d.row.startsAt))).map((d) => d.row);
  await addToCapCounters(tx, org.id, kept.map((d) => ({ capId: d.row.id, windowStart: d.row.startsAt, delta: d.delta })));
  const seeded = await recomputeCapUsed(tx, org.id, fresh);
  await insertCapCounters(tx, org.id, fresh.map((r) => ({ capId: r.id, windowStart: r.startsAt, used: seeded.get(r.id) ?? 0n })));
}
