import { timingSafeEqual } from 'node:crypto';
import { currentAccessEpoch, hashSecret, lesserRole, type Actor } from '../actor.js';
import type { AppContext } from '../context.js';
import { findKeyBySecret, recordKeyUsed } from '../modules/apikeys/index.js';
import { TallyError } from './errors.js';

// Who acts and what they may do live in src/actor.ts; key secrets in src/modules/apikeys/secrets.ts.
// Re-exported so HTTP code keeps one import.
export * from '../actor.js';
export { newOrgKeySecret, newPlatformKey } from '../modules/apikeys/index.js';

const KEY_FORMAT = /^tk\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{20,})$/;

interface CachedKey {
  actor: Actor | null;
  until: number;
  epoch: number;
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
    const fresh = hit !== undefined && hit.until > now && hit.epoch === currentAccessEpoch();
    const actor = fresh ? hit.actor : await this.lookup(key, hash);
    if (!fresh) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { actor, until: now + this.cacheMs, epoch: currentAccessEpoch() });
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
    const row = await findKeyBySecret({ ctx: this.ctx, orgId, secretHash: hash });
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
    await recordKeyUsed({ ctx: this.ctx, orgId, keyId, at: now })
      .catch((error: unknown) => this.ctx.log.warn({ err: error }, 'could not record when an API key was last used'));
  }
}
