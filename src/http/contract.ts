import type {
  ContextConfigDefault,
  FastifyBaseLogger,
  FastifyContextConfig,
  FastifyReply,
  FastifyRequest,
  FastifySchemaCompiler,
  FastifySchema,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
  preValidationAsyncHookHandler,
} from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';
import type { Capability } from '../domain/policy.js';
import { authorize, requirePlatform, type Actor } from './auth.js';
import type { ErrorCode } from './errors.js';
import { isPageQuery, type Paginator } from './paging.js';
import type { Typed } from './types.js';

/**
 * A route's contract: method, path, who may call it, its schema, whether it pages, and the refusals
 * particular to it — declared once, in one call. From it come the authorization (one policy table,
 * src/domain/policy.ts), the one cursor format, the error responses of the OpenAPI document
 * (openapi.ts) and the security suite's list of routes (test/security.test.ts reads the contracts, so
 * no route can escape it).
 *
 * Access: a capability of the policy table; `platform` (the platform key only); `self` (any
 * authenticated caller, the service scopes it to the caller); `public` (no key: sign-in, the
 * statement key).
 */
export type Access = Capability | 'platform' | 'self' | 'public';
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type Handler<S extends FastifySchema> = RouteHandlerMethod<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  RouteGenericInterface,
  ContextConfigDefault,
  S,
  ZodTypeProvider,
  FastifyBaseLogger
>;

export interface RouteContract<S extends FastifySchema> {
  method: Method;
  /** Fastify's form, `/v1/orgs/:org/grants` */
  path: string;
  capability: Access;
  schema: S;
  /** a list route: its querystring takes PageQuery's limit and cursor, its cursor is paginator(key)'s */
  paginate?: Paginator<unknown>;
  /** refusals particular to this route; those every route shares are derived (openapi.ts) */
  errors?: readonly ErrorCode[];
  config?: FastifyContextConfig;
  constraints?: Record<string, string>;
  preValidation?: preValidationAsyncHookHandler;
  /**
   * Validates the body against this schema instead of `schema.body`, which still documents it and
   * types the handler: for a route whose preValidation has already validated the body's items one
   * by one and left only the valid ones, parsed (ingest), so that no item is parsed twice.
   */
  validateBodyWith?: ZodType;
  handler: Handler<S>;
}

/** What the server keeps of each contract: the OpenAPI document and the security suite read it. */
export interface RegisteredContract {
  method: Method;
  /** OpenAPI's form, `/v1/orgs/{org}/grants` */
  path: string;
  capability: Access;
  errors: readonly ErrorCode[];
  paginated: boolean;
  /** not in the OpenAPI document (a second route of the same method and path, picked by media type) */
  hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeContracts: RegisteredContract[];
  }
  interface FastifyContextConfig {
    /** the contract's access: server.ts authenticates every /v1 route but the `public` ones */
    access?: Access;
  }
}

export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

/** Registers a route from its contract; the access check runs first in the handler, after the schema. */
export function defineRoute<S extends FastifySchema>(app: Typed, contract: RouteContract<S>): void {
  const { method, path, capability, schema, paginate, errors = [], validateBodyWith, handler, ...options } = contract;
  // one paginator: a route that takes a cursor declares it, and then takes PageQuery's limit and cursor
  if ((paginate !== undefined) !== isPageQuery(schema.querystring)) {
    throw new Error(`${method} ${path}: a list route declares paginate and extends PageQuery; other routes take no cursor`);
  }
  const hidden = (schema as { hide?: boolean }).hide === true;
  app.routeContracts.push({
    method,
    path: openApiPath(path),
    capability,
    errors: paginate ? [...errors, 'invalid_cursor'] : errors,
    paginated: paginate !== undefined,
    hidden,
  });
  const guarded = async function (this: unknown, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    checkAccess(request.actor, (request.params as { org?: string } | undefined)?.org, capability);
    return (handler as unknown as (this: unknown, req: FastifyRequest, rep: FastifyReply) => unknown).call(this, request, reply);
  };
  const validation = validateBodyWith && {
    validatorCompiler: ((part) => {
      const zodPart = part as unknown as Parameters<typeof validatorCompiler>[0]; // Fastify types a part's schema as the route's
      return validatorCompiler(part.httpPart === 'body' ? { ...zodPart, schema: validateBodyWith } : zodPart);
    }) satisfies FastifySchemaCompiler<S>,
  };
  app.route({ method, url: path, schema, ...options, ...validation, config: { ...options.config, access: capability }, handler: guarded as never });
}

/**
 * The one access check. A capability on a route of an organization is checked against that
 * organization; on a route without one (ingest, corrections) a key acts on its own organization.
 */
export function checkAccess(actor: Actor, org: string | undefined, access: Access): void {
  if (access === 'public' || access === 'self') return;
  if (access === 'platform') return requirePlatform(actor);
  if (org !== undefined) return authorize(actor, org, access);
  if (actor.kind === 'key') authorize(actor, actor.orgId, access);
}
