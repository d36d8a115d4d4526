import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../context.js';
import { rows } from '../db/client.js';
import { apiKeys } from '../db/schema/index.js';
import { lesserRole, roleMay, type Capability, type Role } from '../domain/policy.js';
import { TallyError } from './errors.js';

// The policy table lives in src/domain/policy.ts (the dashboard reads it too); re-exported for old imports.
export { CAPABILITIES, lesserRole, type Capability, type Role } from '../domain/policy.js';

export type Actor =
  | { kind: 'platform'; label: string }
  | { kind: 'key'; label: string; orgId: string; keyId: string; role: Role; memberId: string | null };

const KEY_FORMAT = /^tk\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{20,})$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** An organization key carries its organization, so lookups stay inside one shard. */
export function newOrgKeySecret(orgId: string): string {
  return `tk.${orgId}.${randomBytes(24).toString('base64url')}`;
}

export function newPlatformKey(): string {
  return `tp_${randomBytes(24).toString('base64url')}`;
}

interface CachedKey {
  actor: Actor | null;
  until: number;
  epoch: number;
}

/**
 * Bumped when this process changes who may do what (a member removed or their role changed, a key
 * revoked): every cached key is read again at once. Other instances see the change when their cache
 * entry ends (cacheMs).
 */
let accessEpoch = 0;
export function accessChanged(): void {
  accessEpoch++;
}

const LAST_USED_EVERY_MS = 60_000;

/**
 * Resolves the bearer key to an actor. Verified organization keys are cached
 * for a few seconds: every request otherwise pays a database round trip.
 */
export class Authenticator {
  private readonly cache = new Map<string, CachedKey>();
  private readonly platformKey: Buffer;

  constructor(
    private readonly ctx: AppContext,
    platformKey: string,
    private readonly cacheMs = 5_000,
  ) {
    this.platformKey = Buffer.from(platformKey);
  }

  async authenticate(header: string | undefined): Promise<Actor> {
    const key = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (!key) throw new TallyError('unauthorized', 'Send an API key as "Authorization: Bearer <key>".');
    const given = Buffer.from(key);
    if (given.length === this.platformKey.length && timingSafeEqual(given, this.platformKey)) {
      return { kind: 'platform', label: 'platform' };
    }
    const now = Date.now();
    const hash = hashSecret(key);
    const hit = this.cache.get(hash);
    const fresh = hit !== undefined && hit.until > now && hit.epoch === accessEpoch;
    const actor = fresh ? hit.actor : await this.lookup(key, hash);
    if (!fresh) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { actor, until: now + this.cacheMs, epoch: accessEpoch });
    }
    if (!actor) throw new TallyError('unauthorized', 'This API key is not valid or has been revoked.');
    return actor;
  }

  /**
   * The key and, for a key bound to a member, that member: a key dies with its membership and acts with
   * the member's current role (never more than the key's own).
   */
  private async lookup(key: string, hash: string): Promise<Actor | null> {
    const orgId = KEY_FORMAT.exec(key)?.[1];
    if (!orgId) return null;
    const [row] = await this.ctx.db.read((q) =>
      rows<{ id: string; role: Role; memberId: string | null; memberRole: Role | null; lastUsedAt: Date | string | null }>(
        q,
        sql`select k.id, k.role, k.member_id as "memberId", m.role as "memberRole", k.last_used_at as "lastUsedAt"
            from api_keys k left join members m on m.org_id = k.org_id and m.id = k.member_id
            where k.org_id = ${orgId} and k.secret_hash = ${hash} and k.revoked_at is null limit 1`,
      ),
    );
    if (!row) return null;
    if (row.memberId !== null && row.memberRole === null) return null;
    await this.touch(orgId, row.id, row.lastUsedAt);
    const role = row.memberRole === null ? row.role : lesserRole(row.role, row.memberRole);
    return { kind: 'key', label: `key:${row.id}`, orgId, keyId: row.id, role, memberId: row.memberId };
  }

  /** Records when a key was last used, at most once a minute per key; a failure here never fails the request. */
  private async touch(orgId: string, keyId: string, lastUsedAt: Date | string | null): Promise<void> {
    const now = this.ctx.clock.now();
    if (lastUsedAt !== null && now.getTime() - new Date(lastUsedAt).getTime() < LAST_USED_EVERY_MS) return;
    await this.ctx.db
      .transaction((tx) => tx.update(apiKeys).set({ lastUsedAt: now }).where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, keyId))))
      .catch((error: unknown) => this.ctx.log.warn({ err: error }, 'could not record when an API key was last used'));
  }
}

/**
 * Another organization's object answers 404, never 403: its existence is
 * itself data of that organization.
 */
export function assertOrgAccess(actor: Actor, orgId: string): void {
  if (actor.kind === 'key' && actor.orgId !== orgId) {
    throw new TallyError('organization_not_found', `No organization with id "${orgId}" exists.`);
  }
}

export function can(actor: Actor, capability: Capability): boolean {
  return actor.kind === 'platform' || roleMay(actor.role, capability);
}

export function authorize(actor: Actor, orgId: string, capability: Capability): void {
  assertOrgAccess(actor, orgId);
  if (!can(actor, capability)) {
    throw new TallyError('forbidden', `Your role may not do this (${capability.replace('.', ' ')}).`);
  }
}

export function requirePlatform(actor: Actor): void {
  if (actor.kind !== 'platform') throw new TallyError('forbidden', 'Only the platform key may do this.');
}
