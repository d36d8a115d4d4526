import { countOf } from '../../src/domain/display.js';
import { formatAmount } from './format.js';

/**
 * Words around figures: people by name, changes as "field: before → after",
 * counts with their noun in the right number. Pure, so it is table-tested.
 */

export { countOf } from '../../src/domain/display.js';

export interface Person {
  id: string;
  name: string;
  email?: string | null;
}

/** "member:mem_ana" or "mem_ana" → "Ana Alvarez"; anything else (a key, the platform) as recorded. */
export function actorName(actor: string | null | undefined, people: ReadonlyMap<string, Person>): string {
  if (!actor) return '—';
  const id = actor.startsWith('member:') ? actor.slice('member:'.length) : actor;
  return people.get(id)?.name ?? actor;
}

/** An audit actor filter as typed: a member's name (as the log shows it) is that member, anything else an actor id as recorded. */
export function actorFilter(text: string, people: ReadonlyMap<string, Person>): string {
  const wanted = text.trim().toLowerCase();
  const match = [...people.values()].find((p) => p.name.toLowerCase() === wanted);
  return match ? `member:${match.id}` : text.trim();
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

function show(value: unknown, locale: string): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return DECIMAL.test(value) ? formatAmount(value, locale) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return countOf(value.length, 'item', 'items', locale);
  return JSON.stringify(value);
}

// bookkeeping fields every record carries: a reader learns nothing from them
const NOISE = /(^|\.)(id|org_id|created_at|updated_at|blocks)$/;
// what names a new record, in the order a reader looks for it
const IDENTIFYING = ['name', 'email', 'role', 'source', 'amount', 'monthly', 'status', 'url', 'reason'];

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value);
  }
}

/**
 * What an audit entry changed, one line per field: "status: pending → denied",
 * "monthly: 500 → 700"; a created record lists what identifies it ("name:
 * Research"), a deleted one what it was ("name: Research → —"). Unchanged
 * fields and bookkeeping (ids, timestamps) are left out.
 */
export function auditChanges(before: unknown, after: unknown, locale: string): string[] {
  const b = new Map<string, unknown>();
  const a = new Map<string, unknown>();
  flatten(before, '', b);
  flatten(after, '', a);
  const created = before === null || before === undefined;
  // a new record: what identifies it, not every field it was born with
  const keys = created
    ? IDENTIFYING.filter((k) => a.has(k) && a.get(k) !== null)
    : [...new Set([...b.keys(), ...a.keys()])].filter((k) => !NOISE.test(k));
  const lines: string[] = [];
  for (const key of keys) {
    const was = b.get(key);
    const now = a.get(key);
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    if (created) lines.push(`${key}: ${show(now, locale)}`);
    else lines.push(`${key}: ${show(was, locale)} → ${show(now, locale)}`);
  }
  return lines;
}
