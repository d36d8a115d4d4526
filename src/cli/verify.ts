import { CONNECTION_HELP, out, withConnection, type Args, type Command } from './common.js';

/** Prints the proof of SPEC §3.13 items 1–2 per organization; exits 1 on any breach. */
export const verifyCommand: Command = {
  name: 'verify',
  summary: 'prove the ledger invariants for every organization; exits 1 on a breach',
  help: `Usage:
  tally verify [--data-dir DIR | --database-url URL]

Proves, per organization, that its ledger entries sum to zero, that no block is below zero and that
every cached balance equals the one derived from the entries, and that its hash chain is intact: no entry
was changed, removed or inserted out of order. Through the running server by default
(GET /v1/verify, platform key), or on the database directly.

${CONNECTION_HELP}`,
  async run(args: Args) {
    return withConnection(args, async ({ client }) => {
      const proof = await client.verify();
      for (const p of proof.data) {
        out(
          `${p.ok ? 'ok    ' : 'BREACH'} ${p.org}: ${p.entries} entries, entry sum ${p.entry_sum}, ` +
            `lowest block balance ${p.lowest_block_balance ?? 'no blocks'}, cached = derived for every account${p.mismatches.length ? ' — NO' : ''}`,
        );
        const pre = p.chain.before_chain > 0 ? ` (${p.chain.before_chain} entries from before the chain are not covered)` : '';
        out(
          p.chain.breach
            ? `         hash chain BROKEN: ${p.chain.breach}`
            : `         hash chain intact over ${p.chain.entries} entries${pre}: none changed, removed or out of order`,
        );
        for (const m of p.mismatches) out(`         ${m.account}: cached ${m.cached} ≠ derived ${m.derived}`);
      }
      out(`${proof.data.length} organizations verified, ${proof.breaches} with a breach`);
      return proof.breaches === 0 ? 0 : 1;
    });
  },
};
