import type { Q } from '../../db/client.js';
import { alignedToLocalDays, capWindowContaining, type WindowBounds } from '../../domain/capWindows.js';
import { localDate } from '../../domain/time.js';
import { loadSettings } from '../allocations/cycles.js';
import type { OrgRow } from '../orgs/queries.js';
import { sumCapUsage, type CapRow } from './queries.js';

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

/**
 * Each cap's use in its current window, in one query for all of them, so
 * admission can ask "which caps bind, and how much is left?" at the cost of
 * one round trip (after the settings read a `cycle` window needs).
 */
export async function capUsage(q: Q, org: Pick<OrgRow, 'id' | 'timezone' | 'createdAt'>, caps: CapRow[], now: Date): Promise<CapUsage[]> {
  if (caps.length === 0) return [];
  const needsCycle = caps.some((c) => c.window === 'cycle');
  const settings = needsCycle ? await loadSettings(q, org) : null;
  const cycle = settings ? { anchor: settings.cycleAnchor, cadence: settings.cycleCadence } : { anchor: now, cadence: '1d' as const };
  const windows = caps.map((cap) => {
    const bounds = capWindowContaining(cap.window, org.timezone, now, cycle);
    const daily = cap.scopeKind !== 'api_key' && alignedToLocalDays(bounds, org.timezone);
    return {
      cap,
      bounds,
      row: {
        id: cap.id,
        kind: cap.scopeKind,
        scopeId: cap.scopeId,
        startsAt: bounds.startsAt,
        endsAt: bounds.endsAt,
        startDay: daily ? localDate(bounds.startsAt, org.timezone) : null,
        endDay: daily ? localDate(bounds.endsAt, org.timezone) : null,
      },
    };
  });
  const sums = await sumCapUsage(q, org.id, now, windows.map((w) => w.row));
  return windows.map(({ cap, bounds }) => {
    const { used, held } = sums.get(cap.id) ?? { used: 0n, held: 0n };
    const left = cap.limit - used - held;
    return { cap, window: bounds, used, held, remaining: left > 0n ? left : 0n, exceeded: used >= cap.limit };
  });
}
