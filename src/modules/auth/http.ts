import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Actor } from '../../http/auth.js';
import { TallyError } from '../../errors.js';
import { resolveSession, SESSION_TTL_MS, type SessionView } from './service.js';

export const SESSION_COOKIE = 'tally_session';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const views = new WeakMap<FastifyRequest, SessionView>();

/** The dashboard session a request was authenticated with, if any. */
export function sessionOf(request: FastifyRequest): SessionView | undefined {
  return views.get(request);
}

export function sessionSecretOf(request: FastifyRequest): string | undefined {
  const bearer = /^Bearer\s+(ts\.\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  return bearer ?? request.cookies[SESSION_COOKIE];
}

/**
 * Resolves a dashboard session to the same Actor an organization API key
 * gives (role + member), or null when the request carries no session.
 * A session arrives as the httpOnly cookie (browser sign-in) or as a bearer
 * secret (embedded dashboards, where third-party cookies are blocked).
 * Cookie-authenticated writes must echo the session's CSRF token in a header:
 * a cross-site page can make the browser send the cookie but cannot read the token.
 */
export async function authenticateSession(ctx: AppContext, request: FastifyRequest): Promise<Actor | null> {
  const header = request.headers.authorization;
  const bearer = /^Bearer\s+(ts\.\S+)$/i.exec(header ?? '')?.[1];
  const cookie = header ? undefined : request.cookies[SESSION_COOKIE];
  const secret = bearer ?? cookie;
  if (!secret) return null;
  const resolved = await resolveSession({ ctx, secret });
  if (!resolved) throw new TallyError('unauthorized', 'Your session has ended. Sign in again.');
  if (cookie && !SAFE_METHODS.has(request.method)) {
    const given = Buffer.from(String(request.headers[CSRF_HEADER] ?? ''));
    const expected = Buffer.from(resolved.view.csrf_token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new TallyError('csrf_failed', `Send the session's CSRF token in the ${CSRF_HEADER} header for changes made with a session cookie.`);
    }
  }
  views.set(request, resolved.view);
  return resolved.actor;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, secret: string): void {
  reply.setCookie(SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    path: '/',
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', path: '/' });
}
