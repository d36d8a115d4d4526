import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
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
import { Authenticator, type Actor } from './auth.js';
import { ERROR_STATUS, TallyError, type ErrorCode } from './errors.js';
import { metrics } from './metrics.js';
import { documentErrors } from './openapi.js';
import { routeModules } from './routes.js';
import { registerDashboard, sendIndex, wantsDashboard } from './dashboard.js';
import { authenticateSession, PUBLIC_AUTH_PATHS } from '../modules/auth/http.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
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
}

const PUBLIC = new Set(['/healthz', '/readyz', '/metrics', '/v1/openapi.json', ...PUBLIC_AUTH_PATHS]);

export async function buildServer({ ctx, platformKey, logger = false, dashboardDir }: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger ? { level: ctx.log.level } : false,
    genReqId: () => `req_${randomUUID().replaceAll('-', '')}`,
    bodyLimit: 8 * 1024 * 1024,
    trustProxy: true,
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
    transformObject: (d) => documentErrors(('openapiObject' in d ? d.openapiObject : d.swaggerObject) as never) as never,
  });

  await app.register(fastifyCookie);
  const dashboard = await registerDashboard(app, dashboardDir);

  const auth = new Authenticator(ctx, platformKey);
  app.decorateRequest('actor', null as never);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const path = request.url.split('?')[0]!;
    if (!path.startsWith('/v1/') || PUBLIC.has(path)) return;
    request.actor = (await authenticateSession(ctx, request)) ?? (await auth.authenticate(request.headers.authorization));
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.inc({ route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
    metrics.httpDuration.observe({ route: request.routeOptions.url ?? 'unknown' }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error, request, reply) => {
    const body = toErrorBody(error, request.id);
    if (body.status >= 500) ctx.log.error({ err: error, requestId: request.id }, 'request failed');
    return reply.status(body.status).send({ error: body.error });
  });
  app.setNotFoundHandler((request, reply) =>
    dashboard && wantsDashboard(request) ? sendIndex(reply) : reply.status(404).send({
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
      return reply.status(503).send({ status: 'unavailable' });
    }
  });
  typed.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  typed.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const register of routeModules) register(typed, { ctx, auth });
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
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (e.statusCode === 400 && /JSON/.test(e.message ?? ''))) {
    return { status: 400, error: { code: 'invalid_json', message: 'The request body is not valid JSON.', request_id: requestId } };
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, error: { code: 'invalid_request', message: e.message ?? 'The request is invalid.', request_id: requestId } };
  }
  return {
    status: ERROR_STATUS.internal,
    error: { code: 'internal', message: 'Something went wrong on our side. The request was not completed; it is safe to retry.', request_id: requestId },
  };
}
