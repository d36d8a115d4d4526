import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../context.js';
import { rows } from '../db/client.js';
import { apiKeys } from '../db/schema/index.js';
import { organizationNotFound, TallyError } from './errors.js';

export type Role = 'owner' | 'billing_admin' | 'manager' | 'member';

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

const RANK: Record<Role, number> = { member: 0, manager: 1, billing_admin: 2, owner: 3 };

/** A key bound to a member acts with the lesser of its own role and the member's current one. */
export const lesserRole = (a: Role, b: Role): Role => (RANK[a] <= RANK[b] ? a : b);

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
    throw organizationNotFound(orgId);
  }
}

/** Roles allowed per capability; the platform key may do everything. */
const CAPABILITIES = {
  'org.read': ['owner', 'billing_admin', 'manager', 'member'],
  'org.write': ['owner', 'billing_admin'],
  'grants.read': ['owner', 'billing_admin'],
  'grants.write': ['owner', 'billing_admin'],
  'balance.read': ['owner', 'billing_admin', 'manager'],
  'events.read': ['owner', 'billing_admin', 'manager'],
  'events.write': ['owner', 'billing_admin'],
  'meters.write': ['owner', 'billing_admin'],
  'keys.write': ['owner'],
  'alerts.manage': ['owner', 'billing_admin'],
  'webhooks.manage': ['owner', 'billing_admin'],
  'notifications.read': ['owner', 'billing_admin'],
  'purchases.read': ['owner', 'billing_admin'],
  'purchases.write': ['owner', 'billing_admin'],
  /** payment outcomes come from the operator or the payment provider: platform key only */
  'purchases.confirm': [],
  'auto_recharge.manage': ['owner', 'billing_admin'],
  // Credit cycles, allocations, admission, holds, requests, audit (SPEC §1, §3.6–§3.8, §3.12).
  // Managers and members are further scoped to their groups / themselves by the services.
  'settings.read': ['owner', 'billing_admin', 'manager', 'member'],
  'settings.write': ['owner', 'billing_admin'],
  'cycles.read': ['owner', 'billing_admin', 'manager'],
  'cycles.write': ['owner', 'billing_admin'],
  'groups.read': ['owner', 'billing_admin', 'manager'],
  'groups.write': ['owner', 'billing_admin'],
  'members.read': ['owner', 'billing_admin', 'manager', 'member'],
  'members.create': ['owner', 'billing_admin'],
  'members.update': ['owner', 'billing_admin', 'manager', 'member'],
  'members.delete': ['owner', 'billing_admin'],
  'allocations.read': ['owner', 'billing_admin', 'manager'],
  'admission.use': ['owner', 'billing_admin', 'manager', 'member'],
  'requests.read': ['owner', 'billing_admin', 'manager', 'member'],
  'requests.create': ['owner', 'billing_admin', 'manager', 'member'],
  'requests.decide': ['owner', 'billing_admin', 'manager'],
  'audit.read': ['owner', 'billing_admin'],
  'statements.read': ['owner', 'billing_admin', 'manager'],
  'invoices.read': ['owner', 'billing_admin'],
  'usage.read': ['owner', 'billing_admin', 'manager'],
  'plan.read': ['owner', 'billing_admin', 'manager'],
  'plan.write': ['owner', 'billing_admin'],
  /** a member lists their own usage events only (SPEC §1, §6 page 7); the other roles see all, as with events.read */
  'events.read_own': ['owner', 'billing_admin', 'manager', 'member'],
  /** spend caps (SPEC §3.16): managers set those of their groups, members read those that bind them (caps/access.ts) */
  'caps.read': ['owner', 'billing_admin', 'manager', 'member'],
  'caps.write': ['owner', 'billing_admin', 'manager'],
} as const satisfies Record<string, readonly Role[]>;

export type Capability = keyof typeof CAPABILITIES;

export function can(actor: Actor, capability: Capability): boolean {
  return actor.kind === 'platform' || (CAPABILITIES[capability] as readonly Role[]).includes(actor.role);
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
