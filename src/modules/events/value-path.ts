/**
 * The small JSONPath subset a meter's `value_path` may use: `$` followed by `.name` and `[index]`
 * steps (`$.tokens`, `$.usage.input_tokens`, `$.items[0].count`). Filters and wildcards are left
 * out on purpose: one event carries one quantity, so a path must name exactly one value.
 */
export const VALUE_PATH = /^\$(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d{1,6}\])+$/;

const STEP = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d{1,6})\]/g;

/** The value at `path` in `data`, or undefined when any step is missing. */
export function readValuePath(data: unknown, path: string): unknown {
  let here: unknown = data;
  for (const match of path.slice(1).matchAll(STEP)) {
    if (here === null || typeof here !== 'object') return undefined;
    const key = match[1] ?? Number(match[2]);
    if (typeof key === 'number' ? !Array.isArray(here) : Array.isArray(here)) return undefined;
    here = Object.hasOwn(here, key) ? (here as Record<string | number, unknown>)[key] : undefined;
  }
  return here;
}
