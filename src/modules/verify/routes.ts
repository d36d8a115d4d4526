import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import type { RouteModule } from '../../http/types.js';
import { formatMicro } from '../../domain/money.js';
import { allOrgIds, proveOrg } from '../ledger/index.js';

/**
 * The ledger proof (SPEC §3.13 items 1–2) over HTTP, for the platform only, so `tally verify`
 * works while the server holds the embedded database (PGlite allows one process at a time).
 */
const ProofOut = z.object({
  org: z.string(),
  ok: z.boolean(),
  entries: z.number(),
  entry_sum: z.string(),
  lowest_block_balance: z.string().nullable(),
  mismatches: z.array(z.object({ account: z.string(), cached: z.string(), derived: z.string() })),
  chain: z.object({
    entries: z.number().describe('entries covered by the hash chain'),
    before_chain: z.number().describe('entries written before the chain existed (not covered)'),
    breach: z.string().nullable().describe('the first breach of the chain, in a sentence; null when intact'),
  }),
});

export const VerifyOut = z.object({ data: z.array(ProofOut), breaches: z.number() });

export const verifyRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'GET',
    path: '/v1/verify',
    capability: 'platform',
    schema: {
      tags: ['platform'],
      description: 'Proves the ledger invariants for every organization: entries sum to zero, no block below zero, cached balances equal derived ones, and the hash chain is intact (no entry changed, removed or out of order).',
      response: { 200: VerifyOut },
    },
    handler: async () => {
      const orgIds = await ctx.db.read(allOrgIds);
      const data = [];
      for (const orgId of orgIds) {
        const p = await ctx.db.read((q) => proveOrg(q, orgId));
        data.push({
          org: orgId,
          ok: p.ok,
          entries: p.entries,
          entry_sum: formatMicro(p.entrySum),
          lowest_block_balance: p.lowestBlockBalance === null ? null : formatMicro(p.lowestBlockBalance),
          mismatches: p.mismatches.map((m) => ({ account: m.account, cached: formatMicro(m.cached), derived: formatMicro(m.derived) })),
          chain: { entries: p.chain.entries, before_chain: p.chain.beforeChain, breach: p.chain.breach?.message ?? null },
        });
      }
      return { data, breaches: data.filter((d) => !d.ok).length };
    },
  });
};
