/**
 * Credits scoped to usage (SPEC §3.16): a grant may apply only to some meters
 * or some meter categories. A grant with no scope pays for everything; one
 * with a scope pays for an event when its meter is listed or the meter's
 * category is listed (the two lists widen each other, never narrow).
 */
export interface AppliesTo {
  meters?: string[] | undefined;
  categories?: string[] | undefined;
}

export interface MeterIdentity {
  key: string;
  category: string;
}

export function blockApplies(appliesTo: AppliesTo | null | undefined, meter: MeterIdentity): boolean {
  if (!appliesTo) return true;
  const meters = appliesTo.meters ?? [];
  const categories = appliesTo.categories ?? [];
  if (meters.length === 0 && categories.length === 0) return true;
  return meters.includes(meter.key) || categories.includes(meter.category);
}

/** A scope as people read it: "Inference only", "Tokens and GPU hours only". */
export function describeAppliesTo(appliesTo: AppliesTo | null | undefined, names: (kind: 'meter' | 'category', key: string) => string): string | null {
  if (!appliesTo) return null;
  const parts = [...(appliesTo.categories ?? []).map((c) => names('category', c)), ...(appliesTo.meters ?? []).map((m) => names('meter', m))];
  if (parts.length === 0) return null;
  const list = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]!}`;
  return `${list} only`;
}

/** The stored form: empty lists dropped, names de-duplicated and sorted, null when nothing is left. */
export function normalizeAppliesTo(appliesTo: AppliesTo | null | undefined): AppliesTo | null {
  if (!appliesTo) return null;
  const clean = (xs: string[] | undefined) => [...new Set(xs ?? [])].sort();
  const meters = clean(appliesTo.meters);
  const categories = clean(appliesTo.categories);
  if (meters.length === 0 && categories.length === 0) return null;
  return { ...(meters.length ? { meters } : {}), ...(categories.length ? { categories } : {}) };
}
