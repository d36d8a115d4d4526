import { creditsText } from '../../domain/display.js';
import type { Q } from '../../db/client.js';
import { formatMicro } from '../../domain/money.js';
import type { AdmissionSubject, LedgerHooks, Preloaded } from '../ledger/index.js';
import { groupOfMember } from '../members/index.js';
import { findCaps, type CapRow } from './queries.js';
import { formatScope } from './service.js';
import { capUsage, recordCapUsage, type CapUsage } from './usage.js';

/** ctx.hooks.usageRecorded: counts accepted usage and hold captures for the caps they fall under. */
export const capUsageRecorded: LedgerHooks['usageRecorded'][number] = async ({ tx, now, orgs }) => {
  // an organization without caps costs nothing here (its configuration says so)
  for (const { org, events, known } of orgs) {
    await recordCapUsage(
      tx,
      org,
      events.map((e) => ({
        at: e.at ?? e.bookedAt,
        credits: e.credits,
        userId: e.userId,
        project: e.project,
        apiKeyId: e.apiKeyId ?? null,
        meter: e.capture ? null : e.meter,
      })),
      now,
      known,
    );
  }
};

/**
 * The caps that limit a call for `memberId` with the given subject: the
 * organization's, the member's, their group's, and those of the project, API
 * key and meter the call names. A call that names no meter is not limited by
 * meter caps (a capture has no meter either).
 */
export async function capsBinding(
  q: Q,
  orgId: string,
  memberId: string | null,
  subject: AdmissionSubject | undefined,
  preloaded?: Preloaded | undefined,
): Promise<CapRow[]> {
  const all = preloaded ? preloaded.caps : await findCaps(q, orgId);
  if (all.length === 0) return [];
  const hasGroupCap = all.some((c) => c.scopeKind === 'group');
  const group = !hasGroupCap || memberId === null ? null : preloaded ? preloaded.groupOfMember(memberId) : await groupOfMember(q, orgId, memberId);
  return all.filter((c) => {
    switch (c.scopeKind) {
      case 'org':
        return true;
      case 'member':
        return c.scopeId === memberId;
      case 'group':
        return c.scopeId === group;
      case 'project':
        return c.scopeId === (subject?.project ?? null);
      case 'api_key':
        return c.scopeId === (subject?.apiKeyId ?? null);
      case 'meter':
        return c.scopeId === (subject?.meter ?? null);
    }
  });
}

/** What an error or a response says of a cap: which, its scope and window, and how much is left. */
export function capDetails(u: CapUsage) {
  return {
    id: u.cap.id,
    scope: formatScope(u.cap),
    window: u.cap.window,
    mode: u.cap.mode,
    limit: formatMicro(u.cap.limit),
    used: formatMicro(u.used),
    held: formatMicro(u.held),
    remaining: formatMicro(u.remaining),
  };
}

/**
 * ctx.hooks.admission: `check` and `hold` refuse an amount that would take a
 * `block` cap past its limit (used + held + amount > limit); of several, the
 * one with the least left is named. `notify` caps never refuse.
 */
export const capAdmission: LedgerHooks['admission'][number] = async ({ tx, org, now, memberId, amount, subject, preloaded }) => {
  const binding = (await capsBinding(tx, org.id, memberId, subject, preloaded)).filter((c) => c.mode === 'block');
  if (binding.length === 0) return null;
  const refusing = (await capUsage(tx, org, binding, now))
    .filter((u) => u.used + u.held + amount > u.cap.limit)
    .sort((a, b) => (a.remaining < b.remaining ? -1 : a.remaining > b.remaining ? 1 : a.cap.id.localeCompare(b.cap.id)));
  const u = refusing[0];
  if (!u) return null;
  const d = capDetails(u);
  return {
    limit: `cap:${u.cap.id}`,
    remaining: u.remaining,
    message:
      `The ${d.mode} cap ${d.id} on ${d.scope} (${d.window} window, limit ${creditsText(d.limit)} credits) has ${creditsText(d.used)} credits used and ` +
      `${creditsText(d.held)} held, leaving ${creditsText(d.remaining)}; ${creditsText(amount)} were asked for.`,
    details: { cap: d },
  };
};
