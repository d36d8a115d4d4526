import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { TallyError } from '../errors.js';
import type { Q } from './client.js';
import { idempotencyKeys } from './schema/index.js';

export interface Stored<T> {
  statusCode: number;
  body: T;
  replayed: boolean;
}

export function requestHash(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
    .digest('hex');
}

/**
 * Runs a write once per Idempotency-Key. Must be called inside a transaction
 * that already holds the organization lock, so two requests with one key
 * cannot both run: the second sees the first's stored answer and returns it.
 */
export async function once<T>(
  tx: Q,
  opts: { orgId: string; scope: string; key: string | undefined; hash: string; now: Date; statusCode: number },
  run: () => Promise<T>,
): Promise<Stored<T>> {
  if (!opts.key) return { statusCode: opts.statusCode, body: await run(), replayed: false };
  const where = and(
    eq(idempotencyKeys.orgId, opts.orgId),
    eq(idempotencyKeys.scope, opts.scope),
    eq(idempotencyKeys.key, opts.key),
  );
  const [seen] = await tx.select().from(idempotencyKeys).where(where).limit(1);
  if (seen) {
    if (seen.requestHash !== opts.hash) {
      throw new TallyError(
        'idempotency_key_reused',
        `The Idempotency-Key "${opts.key}" was already used for a different request.`,
      );
    }
    return { statusCode: seen.statusCode, body: seen.body as T, replayed: true };
  }
  const body = await run();
  await tx.insert(idempotencyKeys).values({
    orgId: opts.orgId,
    scope: opts.scope,
    key: opts.key,
    requestHash: opts.hash,
    statusCode: opts.statusCode,
    body: body as object,
    createdAt: opts.now,
  });
  return { statusCode: opts.statusCode, body, replayed: false };
}
