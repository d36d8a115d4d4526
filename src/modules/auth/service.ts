import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { newId } from '../../ids.js';
import { authorize, hashSecret, type Actor, type Role } from '../../actor.js';
import { memberNotFound, TallyError } from '../../errors.js';
import { findOrg, lockOrg } from '../orgs/index.js';
import { loadMember, type MemberIdentity } from './members.js';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password.js';
import {
  expireEmbedTokensOfMember,
  findEmbedToken,
  findLiveSession,
  findLogins,
  insertEmbedToken,
  insertSession,
  revokeSession,
  revokeSessionsOfMember,
  upsertCredential,
} from './queries.js';
import { FailureLimiter } from './rate-limit.js';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

// Secrets carry their organization (`ts.<org>.<random>`), so every lookup
// stays inside one organization's rows, like API keys do.
const SECRET_FORMAT = /^(ts|te)\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{32,})$/;

function newSecret(prefix: 'ts' | 'te', orgId: string): string {
  return `${prefix}.${orgId}.${randomBytes(32).toString('base64url')}`;
}

function parseSecret(secret: string, prefix: 'ts' | 'te'): string | undefined {
  const match = SECRET_FORMAT.exec(secret);
  return match && match[1] === prefix ? match[2] : undefined;
}

export interface SessionView {
  org_id: string;
  member_id: string;
  email: string;
  name: string;
  role: Role;
  kind: 'password' | 'embed';
  expires_at: string;
  csrf_token: string;
}

export interface OpenedSession {
  secret: string;
  view: SessionView;
}

function view(member: MemberIdentity, kind: 'password' | 'embed', expiresAt: Date, csrfToken: string): SessionView {
  return {
    org_id: member.orgId,
    member_id: member.memberId,
    email: member.email,
    name: member.name,
    role: member.role,
    kind,
    expires_at: expiresAt.toISOString(),
    csrf_token: csrfToken,
  };
}

async function openSession(ctx: AppContext, member: MemberIdentity, kind: 'password' | 'embed', expiresAt: Date): Promise<OpenedSession> {
  const now = ctx.clock.now();
  const secret = newSecret('ts', member.orgId);
  const csrfToken = randomBytes(24).toString('base64url');
  await ctx.db.transaction((tx) =>
    insertSession(tx, {
      orgId: member.orgId,
      id: newId('ses', now.getTime()),
      memberId: member.memberId,
      secretHash: hashSecret(secret),
      csrfToken,
      kind,
      createdAt: now,
      expiresAt,
    }),
  );
  return { secret, view: view(member, kind, expiresAt, csrfToken) };
}

/**
 * Sets (or replaces) a member's dashboard password. Owners (and the platform)
 * set anyone's; a member may set their own.
 */
export async function setPassword(args: { ctx: AppContext; actor: Actor; orgId: string; memberId: string; password: string }): Promise<MemberIdentity> {
  const { ctx, actor, orgId, memberId, password } = args;
  const self = actor.kind === 'key' && actor.memberId === memberId;
  if (!self) authorize(actor, orgId, 'keys.write');
  const passwordHash = await hashPassword(password);
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const member = await loadMember(tx, orgId, memberId);
    if (!member) throw memberNotFound(memberId);
    await upsertCredential(tx, orgId, memberId, passwordHash, now);
    return member;
  });
}

export class LoginGuard {
  readonly byAddress = new FailureLimiter(20, 15 * 60 * 1000);
  readonly byAccount = new FailureLimiter(5, 15 * 60 * 1000);
}

function tooMany(ms: number): TallyError {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return new TallyError('rate_limited', `Too many failed sign-ins. Try again in ${seconds} seconds.`, { retry_after_seconds: seconds });
}

/** Email and password → a new session. Failed attempts are limited per address and per account. */
export async function login(args: {
  ctx: AppContext;
  guard: LoginGuard;
  address: string;
  email: string;
  password: string;
  orgId: string | undefined;
}): Promise<OpenedSession> {
  const { ctx, guard, address, email, password, orgId } = args;
  const nowMs = ctx.clock.now().getTime();
  const account = `${orgId ?? '*'}:${email.toLowerCase()}`;
  const wait = Math.max(guard.byAddress.retryAfter(address, nowMs), guard.byAccount.retryAfter(account, nowMs));
  if (wait > 0) throw tooMany(wait);

  const candidates = await ctx.db.read((q) => findLogins(q, email, orgId));
  if (candidates.length > 1) {
    throw new TallyError('invalid_request', 'This email belongs to several organizations; choose the organization to sign in to.', {
      organizations: candidates.map((c) => c.orgId),
    });
  }
  const found = candidates[0];
  const ok = await verifyPassword(password, found?.passwordHash ?? DUMMY_HASH);
  if (!found || !found.passwordHash || !ok) {
    guard.byAddress.fail(address, nowMs);
    guard.byAccount.fail(account, nowMs);
    throw new TallyError('invalid_credentials', 'The email or password is not right.');
  }
  guard.byAccount.reset(account);
  return openSession(ctx, found, 'password', new Date(nowMs + SESSION_TTL_MS));
}

export async function logout({ ctx, secret }: { ctx: AppContext; secret: string }): Promise<void> {
  const orgId = parseSecret(secret, 'ts');
  if (!orgId) return;
  await ctx.db.transaction((tx) => revokeSession(tx, orgId, hashSecret(secret), ctx.clock.now()));
}

export interface ResolvedSession {
  actor: Extract<Actor, { kind: 'key' }>;
  view: SessionView;
}

/** A session secret → the actor it acts as (the member's current role), or null when unknown, expired or revoked. */
export async function resolveSession({ ctx, secret }: { ctx: AppContext; secret: string }): Promise<ResolvedSession | null> {
  const orgId = parseSecret(secret, 'ts');
  if (!orgId) return null;
  const now = ctx.clock.now();
  return ctx.db.read(async (q) => {
    const session = await findLiveSession(q, orgId, hashSecret(secret), now);
    if (!session) return null;
    const member = await loadMember(q, orgId, session.memberId);
    if (!member) return null;
    return {
      actor: { kind: 'key', label: `member:${member.memberId}`, orgId, keyId: session.id, role: member.role, memberId: member.memberId },
      view: view(member, session.kind, session.expiresAt, session.csrfToken),
    };
  });
}

export async function createEmbedToken(args: {
  ctx: AppContext;
  orgId: string;
  memberId: string;
  ttlSeconds: number;
  createdBy: string;
}): Promise<{ token: string; expiresAt: Date }> {
  const { ctx, orgId, memberId, ttlSeconds, createdBy } = args;
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  const token = newSecret('te', orgId);
  await ctx.db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    if (!(await loadMember(tx, orgId, memberId))) {
      throw memberNotFound(memberId);
    }
    await insertEmbedToken(tx, { orgId, id: newId('emb', now.getTime()), memberId, secretHash: hashSecret(token), createdBy, createdAt: now, expiresAt });
  });
  return { token, expiresAt };
}

/**
 * An embed token opens a session for its member that ends when the token
 * does. The token may be opened again until then (an embedding page reloads).
 */
export async function redeemEmbedToken({ ctx, token }: { ctx: AppContext; token: string }): Promise<OpenedSession> {
  const orgId = parseSecret(token, 'te');
  const invalid = new TallyError('embed_link_invalid', 'This embed link is not valid. Ask the application that showed it for a new one.');
  if (!orgId) throw invalid;
  const now = ctx.clock.now();
  const found = await ctx.db.read(async (q) => {
    const row = await findEmbedToken(q, orgId, hashSecret(token));
    return row && { row, member: await loadMember(q, orgId, row.memberId), org: await findOrg(q, orgId) };
  });
  if (!found || !found.member || !found.org) throw invalid;
  if (found.row.expiresAt.getTime() <= now.getTime()) {
    throw new TallyError('embed_link_expired', `This embed link expired at ${found.row.expiresAt.toISOString()}. Open the page again from the application that showed it.`);
  }
  return openSession(ctx, found.member, 'embed', found.row.expiresAt);
}

/** A removed member's dashboard access stops at once (sessions and embed links): called by the member's deletion, in its transaction. */
export async function endMemberSessions(tx: Q, orgId: string, memberId: string, now: Date): Promise<void> {
  await revokeSessionsOfMember(tx, orgId, memberId, now);
  await expireEmbedTokensOfMember(tx, orgId, memberId, now);
}
