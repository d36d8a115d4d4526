import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import type { Authenticator } from './auth.js';

export type Typed = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface RouteDeps {
  ctx: AppContext;
  auth: Authenticator;
  /** the address links to this server are built from (TALLY_PUBLIC_URL, else the address it listens on) */
  publicUrl: () => string;
}

/** Each module's routes.ts exports one of these; http/routes.ts lists them. */
export type RouteModule = (app: Typed, deps: RouteDeps) => void;

/** The Idempotency-Key header, when a write carries one. */
export function idempotencyKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers['idempotency-key'];
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 200) : undefined;
}
