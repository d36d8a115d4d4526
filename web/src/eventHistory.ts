import { formatAmount, formatDateTime } from './format.js';
import { actorName, type Person } from './readable.js';

/**
 * A usage event's status and correction history in words (issue 15: voids and
 * amends). Pure, so it is table-tested (test/dashboard-readable.test.ts).
 */
export type EventStatus = 'active' | 'voided' | 'amended';

export interface Correction {
  kind: 'void' | 'amend';
  at: string;
  actor: string;
  before: Record<string, unknown>;
  after: Record<string, unknown> | null;
  booked_in_period: string;
  closed_period: boolean;
}

/** The API says `active` for an event never corrected; a reader sees it as the original record. */
export const STATUS_LABEL: Record<EventStatus, string> = { active: 'Original', voided: 'Voided', amended: 'Amended' };

/** Who corrected: a member by name, an API key as such (its id), the platform operator. */
export function correctorName(actor: string, people: ReadonlyMap<string, Person>): string {
  if (actor.startsWith('key:')) return `API key ${actor.slice('key:'.length)}`;
  if (actor === 'platform') return 'the platform operator';
  return actorName(actor, people);
}

/** "Voided by Ana Alvarez on Mar 20, 2026, 1:00 PM", plus where a closed period's correction was booked. */
export function correctionSummary(c: Correction, people: ReadonlyMap<string, Person>, timeZone: string, locale: string): string {
  const what = c.kind === 'void' ? 'Voided' : 'Amended';
  const booked = c.closed_period ? ` (its period was closed: booked in ${c.booked_in_period})` : '';
  return `${what} by ${correctorName(c.actor, people)} on ${formatDateTime(c.at, timeZone, locale)}${booked}`;
}

const FIELDS: [key: string, label: string][] = [
  ['quantity', 'Quantity'],
  ['meter', 'Meter'],
  ['timestamp', 'Time'],
  ['user', 'User'],
  ['project', 'Project'],
  ['resource_class', 'Resource class'],
  ['cost_credits', 'Credits'],
];

function show(key: string, value: unknown, timeZone: string, locale: string): string {
  if (value === null || value === undefined) return '—';
  if (key === 'quantity' || key === 'cost_credits') return formatAmount(String(value), locale);
  if (key === 'timestamp') return formatDateTime(String(value), timeZone, locale);
  return String(value);
}

/** What an amend changed, one line per field a reader cares about: "Quantity: 6 → 2.5". A void changes nothing but the status. */
export function correctionChanges(c: Correction, timeZone: string, locale: string): string[] {
  if (c.kind !== 'amend' || c.after === null) return [];
  const lines: string[] = [];
  for (const [key, label] of FIELDS) {
    const was = c.before[key];
    const now = c.after[key];
    if (JSON.stringify(was ?? null) === JSON.stringify(now ?? null)) continue;
    lines.push(`${label}: ${show(key, was, timeZone, locale)} → ${show(key, now, timeZone, locale)}`);
  }
  return lines;
}
