import { z } from 'zod';
import { AmountFormatError, parseMicro } from '../domain/money.js';
import { isValidTimeZone } from '../domain/time.js';

/**
 * Shared request and response pieces. An amount arrives as a decimal string
 * (or a JSON number with at most 6 decimals) and leaves the schema as bigint
 * micro-units; responses carry amounts as decimal strings.
 */
function amountSchema(min: 'positive' | 'non_negative' | 'any') {
  return z
    .union([z.string(), z.number()])
    .transform((value, ctx) => {
      try {
        const micro = parseMicro(value);
        if (min === 'positive' && micro <= 0n) throw new AmountFormatError(`${String(value)} must be greater than 0`);
        if (min === 'non_negative' && micro < 0n) throw new AmountFormatError(`${String(value)} must not be negative`);
        return micro;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message, params: { tally: 'invalid_amount' } });
        return z.NEVER;
      }
    })
    .meta({ description: 'Decimal string with at most 6 fractional digits, e.g. "12.5"' });
}

export const PositiveAmount = amountSchema('positive');
export const NonNegativeAmount = amountSchema('non_negative');
export const SignedAmount = amountSchema('any');

/** An amount in a response: an exact decimal string. */
export const AmountOut = z.string().meta({ description: 'Exact decimal string, e.g. "12.5"' });

export const Instant = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .meta({ description: 'ISO-8601 timestamp' });

export const TimeZone = z.string().refine(isValidTimeZone, { message: 'is not an IANA time zone such as Europe/Paris' });

export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"');

export const Limit = z.coerce.number().int().min(1).max(1000).default(50);
export const Cursor = z.string().max(500).optional();

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

/** Cursors are opaque to clients: base64url JSON of the last row's sort key. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, shape: z.ZodType<T>): T | undefined {
  if (!cursor) return undefined;
  try {
    return shape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
}
