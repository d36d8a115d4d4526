import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifyCookie from '@fastify/cookie';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { assertOrgAccess, Authenticator, type Actor } from './auth.js';
import { ERROR_STATUS, TallyError, type ErrorCode } from './errors.js';
import { findUnsafeText, unsafeTextError } from './schemas.js';
import { classifyDatabaseError } from '../db/client.js';
import { findOrg } from '../modules/orgs/index.js';
import { metrics } from '../metrics.js';
import type { RegisteredContract } from './contract.js';
import { documentErrors } from './openapi.js';
import { routeModules } from './routes.js';
import { registerCompression, registerDashboard, sendIndex, wantsDashboard } from './dashboard.js';
import { authenticateSession } from '../modules/auth/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
  interface FastifyContextConfig {
    /**
     * The route's own service answers organization_not_found (a real-time call reads or locks the
     * organization row anyway): the shared existence check would be one more read per call (issue 10).
     */
    findsOrg?: boolean;
  }
}

export type App = FastifyInstance;
export type TypedApp = ReturnType<FastifyInstance['withTypeProvider']> & {
  withTypeProvider: FastifyInstance['withTypeProvider'];
};

export interface ServerOptions {
  ctx: AppContext;
  platformKey: string;
  logger?: boolean;
  /** the built dashboard (web/dist), served at / when given */
  dashboardDir?: string | undefined;
  /** TALLY_PUBLIC_URL: where links to this server point; unset, the address it listens on */
  publicUrl?: string | undefined;
}

/** Routes outside the contracts that need no key; a contract says `public` itself (sign-in, the statement key). */
const PUBLIC = new Set(['/healthz', '/readyz', '/metrics', '/v1/openapi.json']);

export async function buildServer({ ctx, platformKey, logger = false, dashboardDir, publicUrl }: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger ? { level: ctx.log.level } : false,
    genReqId: () => `req_${randomUUID().replaceAll('-', '')}`,
    bodyLimit: 8 * 1024 * 1024,
    trustProxy: true,
    // Errors Fastify raises before routing (a path parameter over maxParamLength, a malformed URL) skip the
    // error handler unless passed here; they get the same envelope as every other refusal.
    frameworkErrors: (error, request, reply) => {
      const body = toErrorBody(error, request.id);
      void (reply as FastifyReply).status(body.status).send({ error: body.error });
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Tally API', version: '1.0.0', description: 'Credits ledger, usage meter and budgets.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (d) => documentErrors(('openapiObject' in d ? d.openapiObject : d.swaggerObject) as never, app.routeContracts) as never,
  });

  await app.register(fastifyCookie);
  await registerCompression(app);
  const dashboard = await registerDashboard(app, ctx, dashboardDir);

  const auth = new Authenticator(ctx, platformKey);
  // every route's contract (defineRoute): the OpenAPI error responses and the security suite read them
  app.decorate('routeContracts', [] as RegisteredContract[]);
  app.decorateRequest('actor', null as never);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const path = request.url.split('?')[0]!;
    if (!path.startsWith('/v1/') || PUBLIC.has(path) || request.routeOptions.config?.access === 'public') return;
    request.actor = (await authenticateSession(ctx, request)) ?? (await auth.authenticate(request.headers.authorization));
  });
  // One check at the edge for text PostgreSQL cannot store, over every string of every request, so no
  // field's schema can forget it. Ingest events are checked one by one in their route instead: one bad
  // event of a batch is rejected alone (events/routes.ts).
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const unsafe =
      findUnsafeText(request.params, 'path') ??
      findUnsafeText(request.query, 'query') ??
      findUnsafeText(request.headers['idempotency-key'], 'Idempotency-Key') ??
      (request.routeOptions.url === '/v1/events' ? undefined : findUnsafeText(request.body, 'body'));
    if (unsafe) throw unsafeTextError(unsafe);
    // Another organization's key learns nothing, not even whether its body would validate: 404 first.
    const org = (request.params as { org?: unknown } | undefined)?.org;
    if (typeof org === 'string' && request.actor) assertOrgAccess(request.actor, org);
  });
  // Every route under /v1/orgs/:org answers 404 organization_not_found for an organization that does not
  // exist, lists included (they would otherwise answer an empty page). Keys of another organization
  // are refused by authorize() in the route with the same answer.
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const org = (request.params as { org?: unknown } | undefined)?.org;
    if (typeof org !== 'string' || !request.actor || request.routeOptions.config.findsOrg) return;
    if (request.actor.kind === 'key' && request.actor.orgId !== org) return;
    if (!(await ctx.db.read((q) => findOrg(q, org)))) {
      throw new TallyError('organization_not_found', `No organization with id "${org}" exists.`);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.inc({ route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
    metrics.httpDuration.observe({ route: request.routeOptions.url ?? 'unknown' }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error, request, reply) => {
    const body = toErrorBody(error, request.id);
    if (body.status === 503) {
      ctx.log.warn({ err: error, requestId: request.id }, 'database unavailable');
      void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    } else if (body.status >= 500) {
      ctx.log.error({ err: error, requestId: request.id }, 'request failed');
    }
    return reply.status(body.status).send({ error: body.error });
  });
  app.setNotFoundHandler((request, reply) =>
    dashboard && wantsDashboard(request) ? sendIndex(ctx, request, reply) : reply.status(404).send({
      error: { code: 'route_not_found', message: `There is no route ${request.method} ${request.url.split('?')[0]}.`, request_id: request.id },
    }),
  );

  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  typed.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await ctx.db.read((q) => q.execute('select 1'));
      return { status: 'ready' };
    } catch {
      return reply.status(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send({ status: 'unavailable' });
    }
  });
  typed.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  typed.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const listening = () => {
    const bound = app.addresses()[0];
    if (!bound || typeof bound === 'string') return 'http://127.0.0.1';
    return `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  };
  const linkBase = publicUrl ? () => publicUrl : listening;
  for (const register of routeModules) register(typed, { ctx, auth, publicUrl: linkBase });
  await app.ready();
  return app;
}

interface ErrorOut {
  status: number;
  error: { code: string; message: string; request_id: string; details?: unknown };
}

function toErrorBody(error: unknown, requestId: string): ErrorOut {
  if (error instanceof TallyError) {
    return {
      status: error.status,
      error: { code: error.code, message: error.message, request_id: requestId, ...(error.details ? { details: error.details } : {}) },
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => {
      const where = `${error.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}`;
      return { where, message: v.message ?? 'is invalid', params: v.params };
    });
    const amount = issues.find((i) => JSON.stringify(i.params ?? {}).includes('invalid_amount'));
    const code: ErrorCode = amount ? 'invalid_amount' : 'invalid_request';
    const first = amount ?? issues[0]!;
    return {
      status: 400,
      error: {
        code,
        message: `${first.where}: ${first.message}`,
        request_id: requestId,
        details: issues.map(({ where, message }) => ({ where, message })),
      },
    };
  }
  const e = error as { statusCode?: number; code?: string; message?: string };
  const framework = FRAMEWORK_ERRORS[e.code ?? ''];
  if (framework) return { status: ERROR_STATUS[framework.code], error: { code: framework.code, message: framework.message, request_id: requestId } };
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (e.statusCode === 400 && /JSON/.test(e.message ?? ''))) {
    return { status: 400, error: { code: 'invalid_json', message: 'The request body is not valid JSON.', request_id: requestId } };
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, error: { code: 'invalid_request', message: e.message ?? 'The request is invalid.', request_id: requestId } };
  }
  const database = classifyDatabaseError(error);
  if (database === 'unavailable') {
    return {
      status: ERROR_STATUS.database_unavailable,
      error: {
        code: 'database_unavailable',
        message: `The database cannot be reached right now; nothing was changed. Retry in ${RETRY_AFTER_SECONDS} seconds.`,
        request_id: requestId,
      },
    };
  }
  if (database === 'out_of_range') {
    // A value that passed the edge but overflowed inside (a quantity times a price beyond BIGINT): the input's fault.
    return { status: 400, error: { code: 'invalid_amount', message: 'A value of this request is out of the range Tally can store (an amount times a price, or a date).', request_id: requestId } };
  }
  return {
    status: ERROR_STATUS.internal,
    error: {
      code: 'internal',
      message: `Something went wrong on our side and the request was not completed. Quote the request id ${requestId} if you report it.`,
      request_id: requestId,
    },
  };
}

const RETRY_AFTER_SECONDS = 5;

/** Fastify's own refusals (before or around our handlers), in our words and codes. */
const FRAMEWORK_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_MAX_PARAM_LENGTH: { code: 'invalid_request', message: 'A path parameter is too long (at most 100 characters).' },
  FST_ERR_BAD_URL: { code: 'invalid_request', message: 'The URL is malformed (a bad percent-encoding?).' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'The request body is larger than 8 MiB.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'Send the body as JSON with "Content-Type: application/json".' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_json', message: 'The body is empty but "Content-Type: application/json" says JSON; send a JSON value or no Content-Type.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'invalid_request', message: 'The Content-Length header does not match the body.' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'unsupported_media_type', message: 'The Content-Type header is malformed.' },
};
