import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { findOrg } from '../modules/orgs/index.js';

/**
 * Compression for every response (API JSON and the dashboard): brotli when the
 * browser takes it, else gzip. Registered before any route so its hook sees them all.
 */
export async function registerCompression(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCompress, { global: true, encodings: ['br', 'gzip'], threshold: 1024 });
  // Every response but an embed page refuses to be framed (set here unless the handler chose a policy).
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', NO_FRAMING).header('x-frame-options', 'DENY');
    return payload;
  });
}

/**
 * Serves the built dashboard (web/dist) at `/`. Hashed assets are cached for
 * good; index.html never is, so a new build shows on the next load. Client
 * routes (/usage, /statements…) fall back to index.html; /v1/* never does.
 * The build writes .br/.gz beside each asset, sent as they are (no compression per request).
 */
export async function registerDashboard(app: FastifyInstance, ctx: AppContext, distDir: string | undefined): Promise<boolean> {
  if (!distDir || !existsSync(join(distDir, 'index.html'))) return false;
  const assets = join(distDir, 'assets');
  await app.register(fastifyStatic, {
    root: distDir,
    prefix: '/',
    wildcard: false,
    index: false,
    preCompressed: true,
    setHeaders(reply, path) {
      const cache = path.startsWith(assets) ? 'public, max-age=31536000, immutable' : path.includes('favicon') ? 'public, max-age=86400' : 'no-cache';
      reply.header('cache-control', cache);
    },
  });
  app.get('/', { schema: { hide: true } }, (request, reply) => sendIndex(ctx, request, reply));
  return true;
}

/** A browser navigating to a client route: it asks for HTML, outside the API and the assets. */
export function wantsDashboard(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0]!;
  const navigating = (request.headers.accept ?? '').includes('text/html');
  return (request.method === 'GET' || request.method === 'HEAD') && navigating && !path.startsWith('/v1/') && !path.startsWith('/assets/');
}

/** The organization an embed path belongs to: its token is `te.<org>.<secret>`, so no lookup of the token is needed. */
export function embedOrgOf(url: string): string | undefined {
  const segment = /^\/embed\/([^/?#]+)/.exec(url)?.[1];
  if (!segment) return undefined;
  let token: string;
  try {
    token = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  return /^te\.([A-Za-z0-9_-]{1,64})\./.exec(token)?.[1];
}

export const NO_FRAMING = "frame-ancestors 'none'";

/**
 * Who may frame a page. The standalone app: nobody (clickjacking). An embed
 * link or widget: the origins its organization listed in embed_origins, and
 * nobody when it listed none or the token names no organization.
 */
export async function frameAncestors(ctx: AppContext, url: string): Promise<string> {
  const orgId = embedOrgOf(url);
  if (!orgId) return NO_FRAMING;
  const org = await ctx.db.read((q) => findOrg(q, orgId));
  const origins = org?.embedOrigins ?? [];
  return origins.length === 0 ? NO_FRAMING : `frame-ancestors ${origins.join(' ')}`;
}

// Embed links carry their token in the path: no-referrer keeps it out of
// the Referer of anything the page loads or links to.
export async function sendIndex(ctx: AppContext, request: FastifyRequest, reply: FastifyReply) {
  const policy = await frameAncestors(ctx, request.url);
  reply.header('content-security-policy', policy);
  if (policy === NO_FRAMING) reply.header('x-frame-options', 'DENY');
  return reply.header('cache-control', 'no-cache').header('referrer-policy', 'no-referrer').sendFile('index.html');
}
