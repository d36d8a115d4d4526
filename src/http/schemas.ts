import { z } from 'zod';
import { inSupportedYears, isValidTimeZone, MAX_YEAR, MIN_YEAR } from '../domain/time.js';
import { TallyError } from './errors.js';

/** The amount schemas live in src/amounts.ts (services validate amounts too); routes take them from here with the rest. */
export { AmountOut, MAX_AMOUNT, NonNegativeAmount, PositiveAmount } from '../amounts.js';

/**
 * Text PostgreSQL cannot store: NUL (refused in text and jsonb) and UTF-16
 * surrogates without their pair (refused when the JSON is encoded as UTF-8).
 */
// eslint-disable-next-line no-control-regex -- the NUL byte is exactly what is looked for
const UNSAFE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isSafeText(value: string): boolean {
  return !UNSAFE_TEXT.test(value);
}

/**
 * Where in a parsed request value (params, query, body) the first unstorable
 * text is — in a string or an object key — or undefined when there is none.
 * Applied to every request at the edge (server.ts), so no field can forget it.
 */
export function findUnsafeText(value: unknown, path = ''): string | undefined {
  const below = unsafeBelow(value);
  if (below === undefined) return undefined;
  const where = path === '' && below.startsWith('.') ? below.slice(1) : path + below;
  return where || 'value';
}

/** The path of the first unstorable text below `value` (`''` for the value itself); built only once one is found. */
function unsafeBelow(value: unknown): string | undefined {
  if (typeof value === 'string') return isSafeText(value) ? undefined : '';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const below = unsafeBelow(value[i]);
      if (below !== undefined) return `[${i}]${below}`;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (!isSafeText(key)) return `.${key}`;
      const below = unsafeBelow((value as Record<string, unknown>)[key]);
      if (below !== undefined) return `.${key}${below}`;
    }
  }
  return undefined;
}

export function unsafeTextError(where: string): TallyError {
  return new TallyError(
    'invalid_text',
    `${where} contains a NUL character (\\u0000) or an unpaired UTF-16 surrogate, which cannot be stored; send valid Unicode text.`,
  );
}

/** A string refusing NUL and lone surrogates, for schemas validated outside the edge check (ingest events). */
export const SafeText = z.string().refine(isSafeText, { message: 'contains a NUL character or an unpaired UTF-16 surrogate' });

export { MAX_YEAR, MIN_YEAR };

const inRange = inSupportedYears;

export const Instant = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .refine(inRange, { message: `must be between ${MIN_YEAR}-01-01 and ${MAX_YEAR}-12-31` })
  .meta({ description: `ISO-8601 timestamp between ${MIN_YEAR} and ${MAX_YEAR}` });

/** A calendar date (YYYY-MM-DD) inside the supported years. */
export const DateOnly = z.iso
  .date()
  .refine((s) => inRange(new Date(`${s}T00:00:00Z`)), { message: `must be between ${MIN_YEAR}-01-01 and ${MAX_YEAR}-12-31` });

export const TimeZone = z.string().refine(isValidTimeZone, { message: 'is not an IANA time zone such as Europe/Paris' });

export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"');

export const Limit = z.coerce.number().int().min(1).max(1000).default(50);
/**
 * A list cursor: the next_cursor of the previous page (encodeCursor's base64url; paging.ts). Only
 * these characters pass the schema, so no crafted text reaches a query; an id of the format before
 * issue 18 passes here and is refused by the paginator as invalid_cursor, which says to start again.
 */
export const Cursor = z
  .string()
  .max(500)
  .regex(/^[A-Za-z0-9_.:+-]*$/, 'is not a cursor Tally gave out; pass next_cursor unchanged')
  .optional();

export const OrgParams = z.object({ org: z.string() });

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    request_id: z.string(),
    details: z.unknown().optional(),
  }),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() });
}

/**
 * Cursors are opaque to clients: base64url JSON of the last row's sort key.
 * They are strictly validated rather than signed (a signing key would have to
 * be shared by every instance): anything that does not decode to the route's
 * shape is a 400 invalid_cursor, so a sort key always reaches SQL well formed.
 */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, shape: z.ZodType<T>): T | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const parsed = shape.safeParse(decoded);
  if (!parsed.success || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  return parsed.data;
}

export const invalidCursor = (): TallyError =>
  new TallyError('invalid_cursor', 'This cursor is not one Tally gave out; pass next_cursor from the previous page unchanged, or leave it out to start again.');

/** Sort-key pieces of a cursor: an instant as ISO text, and an id. */
export const CursorInstant = z.iso.datetime({ offset: true }).refine((s) => inRange(new Date(s)));
export const CursorId = z.string().min(1).max(200).refine(isSafeText);
