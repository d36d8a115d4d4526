import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Serves the built dashboard (web/dist) at `/`. Hashed assets are cached for
 * good; index.html never is, so a new build shows on the next load. Client
 * routes (/usage, /statements…) fall back to index.html; /v1/* never does.
 */
export async function registerDashboard(app: FastifyInstance, distDir: string | undefined): Promise<boolean> {
  if (!distDir || !existsSync(join(distDir, 'index.html'))) return false;
  await app.register(fastifyStatic, {
    root: distDir,
    prefix: '/',
    wildcard: false,
    index: false,
    setHeaders(reply, path) {
      reply.header('cache-control', path.includes(`${join(distDir, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.get('/', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
  return true;
}

/** A browser navigating to a client route: it asks for HTML, outside the API and the assets. */
export function wantsDashboard(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0]!;
  const navigating = (request.headers.accept ?? '').includes('text/html');
  return (request.method === 'GET' || request.method === 'HEAD') && navigating && !path.startsWith('/v1/') && !path.startsWith('/assets/');
}

// Embed links carry their token in the path: no-referrer keeps it out of
// the Referer of anything the page loads or links to.
export function sendIndex(reply: FastifyReply) {
  return reply.header('cache-control', 'no-cache').header('referrer-policy', 'no-referrer').sendFile('index.html');
}
