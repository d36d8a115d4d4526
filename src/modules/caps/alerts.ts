import type { AppContext } from '../../context.js';
import { newlyCrossed, usedBasisPoints } from '../../domain/capWindows.js';
import { formatMicro } from '../../domain/money.js';
import { alertRecipients } from '../alerts/index.js';
import { enqueue } from '../outbox/index.js';
import { findOrg } from '../orgs/index.js';
import { findCaps, orgsWithCaps, saveAlertState, type CapRow } from './queries.js';
import { formatScope } from './service.js';
import { capUsage } from './usage.js';

/** A block cap alerts when it is reached, whatever percents it lists. */
const thresholdsOf = (cap: CapRow): number[] => (cap.mode === 'block' ? [...cap.notifyAtPercent, 100] : cap.notifyAtPercent);

/**
 * The alert state a cap should move to: a new window starts with nothing
 * alerted; usage that has fallen below what was alerted (a raised limit)
 * re-arms the thresholds above it, so the next crossing alerts again.
 */
function armedFrom(cap: CapRow, windowStart: Date, usedBp: bigint): number {
  if (cap.windowStart === null || cap.windowStart.getTime() !== windowStart.getTime()) return 0;
  if (BigInt(cap.notifiedPct) * 100n <= usedBp) return cap.notifiedPct;
  return Math.max(0, ...thresholdsOf(cap).filter((p) => p <= cap.notifiedPct && BigInt(p) * 100n <= usedBp));
}

/**
 * Sends `cap.threshold` (webhook and email) once for each percent of each
 * cap crossed in its current window. The caps' rows are locked for the whole
 * evaluation, so two instances running the job at once alert once: the
 * second waits, then reads the state the first saved.
 */
export async function evaluateCapAlerts(ctx: AppContext, orgId: string): Promise<number> {
  return ctx.db.transaction(async (tx) => {
    const caps = await findCaps(tx, orgId, { forUpdate: true });
    const org = await findOrg(tx, orgId);
    if (!org || caps.length === 0) return 0;
    const now = ctx.clock.now();
    let sent = 0;
    let emails: string[] | undefined;
    for (const u of await capUsage(tx, org, caps, now)) {
      const { cap } = u;
      const usedBp = usedBasisPoints(u.used, cap.limit);
      const armed = armedFrom(cap, u.window.startsAt, usedBp);
      const crossed = newlyCrossed(thresholdsOf(cap), armed, usedBp);
      const notified = crossed.length > 0 ? crossed[crossed.length - 1]! : armed;
      if (notified !== cap.notifiedPct || cap.windowStart?.getTime() !== u.window.startsAt.getTime()) {
        await saveAlertState(tx, orgId, cap.id, u.window.startsAt, notified);
      }
      for (const percent of crossed) {
        emails ??= await alertRecipients(tx, orgId);
        await enqueue(tx, {
          orgId,
          type: 'cap.threshold',
          now,
          emails,
          data: {
            org_id: orgId,
            cap_id: cap.id,
            scope: formatScope(cap),
            window: cap.window,
            window_start: u.window.startsAt.toISOString(),
            window_end: u.window.endsAt.toISOString(),
            mode: cap.mode,
            percent,
            limit: formatMicro(cap.limit),
            used: formatMicro(u.used),
            remaining: formatMicro(u.remaining),
            reached: u.exceeded,
          },
        });
        sent += 1;
      }
    }
    return sent;
  });
}

/** The scheduler's pass: every organization with caps, each on its own, so one failure stops no other. */
export async function evaluateAllCapAlerts(ctx: AppContext): Promise<number> {
  let sent = 0;
  for (const orgId of await ctx.db.read((q) => orgsWithCaps(q))) {
    try {
      sent += await evaluateCapAlerts(ctx, orgId);
    } catch (error) {
      ctx.log.error({ err: error, orgId }, 'cap alerts failed');
    }
  }
  return sent;
}
