import { z } from 'zod';
import { AmountFormatError, formatMicro, MAX_AMOUNT_MICRO, parseMicro } from './domain/money.js';

/*
 * The zod schemas of an amount, used by routes and by the files that validate amounts outside a
 * route (alert rule parameters, foreign events, allocation views). They live outside src/http/ so
 * a service needs nothing of HTTP to check an amount.
 */

export const MAX_AMOUNT = formatMicro(MAX_AMOUNT_MICRO);

/**
 * An amount arrives as a decimal string
 * (or a JSON number with at most 6 decimals) and leaves the schema as bigint
 * micro-units; responses carry amounts as decimal strings.
 */
function amountSchema(min: 'positive' | 'non_negative' | 'any') {
  return z
    .union([z.string(), z.number()])
    .transform((value, ctx) => {
      try {
        const micro = parseMicro(value);
        if (micro > MAX_AMOUNT_MICRO || micro < -MAX_AMOUNT_MICRO) {
          throw new AmountFormatError(`${String(value)} is beyond the largest amount Tally takes (${MAX_AMOUNT})`);
        }
        if (min === 'positive' && micro <= 0n) throw new AmountFormatError(`${String(value)} must be greater than 0`);
        if (min === 'non_negative' && micro < 0n) throw new AmountFormatError(`${String(value)} must not be negative`);
        return micro;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message, params: { tally: 'invalid_amount' } });
        return z.NEVER;
      }
    })
    .meta({ description: `Decimal string with at most 6 fractional digits, e.g. "12.5"; at most ${MAX_AMOUNT} in absolute value` });
}

export const PositiveAmount = amountSchema('positive');
export const NonNegativeAmount = amountSchema('non_negative');
export const SignedAmount = amountSchema('any');

/** An amount in a response: an exact decimal string. */
export const AmountOut = z.string().meta({ description: 'Exact decimal string, e.g. "12.5"' });

