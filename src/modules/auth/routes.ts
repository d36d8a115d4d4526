import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { assertOrgAccess } from '../../http/auth.js';
import { TallyError } from '../../http/errors.js';
import { OrgParams } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { clearSessionCookie, sessionOf, sessionSecretOf, setSessionCookie } from './http.js';
import { createEmbedToken, login, LoginGuard, logout, redeemEmbedToken, setPassword } from './service.js';

const Role = z.enum(['owner', 'billing_admin', 'manager', 'member']);

export const SessionOut = z.object({
  org_id: z.string(),
  member_id: z.string(),
  email: z.string(),
  name: z.string(),
  role: Role,
  kind: z.enum(['password', 'embed']),
  expires_at: z.string(),
  csrf_token: z.string().meta({ description: 'send it in the x-csrf-token header on writes made with the session cookie' }),
});

export const EmbedSessionOut = SessionOut.extend({
  session_token: z.string().meta({ description: 'send as "Authorization: Bearer <token>"; valid until expires_at' }),
});

export const LoginBody = z.object({
  email: z.string().min(3).max(320),
  password: z.string().min(1).max(1000),
  org: z.string().max(64).optional(),
});

export const EmbedTokenOut = z.object({ token: z.string(), url: z.string(), expires_at: z.string() });

export const authRoutes: RouteModule = (app, { ctx, publicUrl }) => {
  const guard = new LoginGuard();

  defineRoute(app, {
    method: 'POST',
    path: '/v1/auth/login',
    capability: 'public',
    errors: ['invalid_credentials', 'rate_limited'],
    schema: { tags: ['auth'], body: LoginBody, response: { 200: SessionOut } },
    handler: async (request, reply) => {
      const b = request.body;
      const opened = await login({ ctx, guard, address: request.ip, email: b.email, password: b.password, orgId: b.org });
      setSessionCookie(request, reply, opened.secret);
      return opened.view;
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/auth/logout',
    capability: 'self',
    schema: { tags: ['auth'], response: { 204: z.null() } },
    handler: async (request, reply) => {
      const secret = sessionSecretOf(request);
      if (secret && sessionOf(request)) await logout({ ctx, secret });
      clearSessionCookie(request, reply);
      return reply.status(204).send(null);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/auth/session',
    capability: 'self',
    schema: { tags: ['auth'], response: { 200: SessionOut } },
    handler: async (request) => {
      const view = sessionOf(request);
      if (!view) throw new TallyError('unauthorized', 'This request carries an API key, not a dashboard session.');
      return view;
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/auth/embed',
    capability: 'public',
    errors: ['embed_link_invalid', 'embed_link_expired'],
    schema: { tags: ['auth'], body: z.object({ token: z.string().max(300) }), response: { 200: EmbedSessionOut } },
    handler: async (request) => {
      const opened = await redeemEmbedToken({ ctx, token: request.body.token });
      return { ...opened.view, session_token: opened.secret };
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/embed-tokens',
    capability: 'keys.write',
    schema: {
      tags: ['auth'],
      description: 'A link that shows the dashboard as this member, with their role, without a password, until it expires.',
      params: OrgParams,
      body: z.object({ member: z.string().min(1).max(64), ttl_seconds: z.number().int().min(1).max(7 * 24 * 3600).default(3600) }),
      response: { 201: EmbedTokenOut },
    },
    handler: async (request, reply) => {
      const { token, expiresAt } = await createEmbedToken({
        ctx,
        orgId: request.params.org,
        memberId: request.body.member,
        ttlSeconds: request.body.ttl_seconds,
        createdBy: request.actor.label,
      });
      // From the configured public address: a Host header is whatever the caller sent.
      const url = `${publicUrl()}/embed/${encodeURIComponent(token)}`;
      return reply.status(201).send({ token, url, expires_at: expiresAt.toISOString() });
    },
  });

  defineRoute(app, {
    method: 'PUT',
    path: '/v1/orgs/:org/members/:member/password',
    capability: 'self',
    errors: ['member_not_found'],
    schema: {
      tags: ['auth'],
      description: "Sets a member's dashboard password (owners for anyone, a member for themself).",
      params: OrgParams.extend({ member: z.string().max(64) }),
      body: z.object({ password: z.string().min(10).max(1000) }),
      response: { 200: z.object({ member_id: z.string(), email: z.string(), name: z.string(), role: Role }) },
    },
    handler: async (request) => {
      assertOrgAccess(request.actor, request.params.org);
      const m = await setPassword({ ctx, actor: request.actor, orgId: request.params.org, memberId: request.params.member, password: request.body.password });
      return { member_id: m.memberId, email: m.email, name: m.name, role: m.role };
    },
  });
};
