import { randomBytes } from 'node:crypto';

/** An organization key carries its organization, so lookups stay inside one shard. */
export function newOrgKeySecret(orgId: string): string {
  return `tk.${orgId}.${randomBytes(24).toString('base64url')}`;
}

export function newPlatformKey(): string {
  return `tp_${randomBytes(24).toString('base64url')}`;
}
