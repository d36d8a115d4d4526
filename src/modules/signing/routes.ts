import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import type { RouteModule } from '../../http/types.js';
import { statementKey } from './key.js';

export const StatementKeyOut = z.object({
  algorithm: z.literal('Ed25519'),
  key_id: z.string().meta({ description: 'first 16 hex digits of the SHA-256 of the raw public key' }),
  public_key: z.string().meta({ description: 'raw 32-byte Ed25519 public key, base64url' }),
  public_key_pem: z.string().meta({ description: 'the same key as SPKI PEM' }),
  created_at: z.string(),
});

/** The public half of the statement key: public, so a customer can verify statements offline. */
export const signingRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'GET',
    path: '/v1/statement-key',
    capability: 'public',
    schema: { tags: ['statements'], response: { 200: StatementKeyOut } },
    handler: async () => {
      const key = await statementKey(ctx.db, ctx.clock.now());
      return {
        algorithm: 'Ed25519' as const,
        key_id: key.keyId,
        public_key: key.publicKey,
        public_key_pem: key.publicKeyPem,
        created_at: key.createdAt.toISOString(),
      };
    },
  });
};
