import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { GENESIS } from '../../domain/chain.js';
import { formatMicro } from '../../domain/money.js';
import { PROOF_FORMAT, STATEMENT_FORMAT, type ProofEntry, type SignedStatement, type StatementProof } from '../../domain/statementProof.js';
import type { StatementSummary } from '../../domain/statement.js';
import type { Period } from '../../domain/time.js';
import { TallyError } from '../../errors.js';
import { chainedEntry } from '../ledger/index.js';
import { requireOrg } from '../orgs/index.js';
import { signStatementWith, statementKey, type StatementKey } from '../signing/index.js';
import { findChainEnds, findChainSegment, findHashBefore, findSignature, saveSignature } from './proofQueries.js';
import { resolvePeriod } from './service.js';

/**
 * Signs a statement just stored by period close (same transaction, which holds
 * the organization lock, so the chain cannot move meanwhile): the document
 * names the first and last chained entry whose occurred_at lies in the period.
 * If the period has entries from before the hash chain existed, `chain` is null
 * and the proof says the figures cannot be recomputed.
 */
export async function sealStatement(
  tx: Q,
  args: { orgId: string; period: Period; summary: StatementSummary; closedAt: Date; key: StatementKey },
): Promise<SignedStatement> {
  const { orgId, period } = args;
  const ends = await findChainEnds(tx, orgId, period);
  const s = args.summary;
  const chained = ends && ends.firstSeq !== null && ends.unchained === 0;
  const statement: SignedStatement = {
    format: STATEMENT_FORMAT,
    org: orgId,
    period: period.key,
    status: 'closed',
    starts_at: period.startsAt.toISOString(),
    ends_at: period.endsAt.toISOString(),
    closed_at: args.closedAt.toISOString(),
    summary: {
      brought_forward: formatMicro(s.broughtForward),
      purchased: formatMicro(s.purchased),
      granted: formatMicro(s.granted),
      adjustments: formatMicro(s.adjustments),
      consumed: formatMicro(s.consumed),
      expired: formatMicro(s.expired),
      rolled_over: formatMicro(s.rolledOver),
      forfeited: formatMicro(s.forfeited),
      corrections: formatMicro(s.corrections),
      closing: formatMicro(s.closing),
    },
    chain: chained
      ? { first_seq: ends.firstSeq!, first_hash: ends.firstHash!, last_seq: ends.lastSeq!, last_hash: ends.lastHash!, entries: ends.chained }
      : null,
  };
  const signature = signStatementWith(args.key, statement);
  await saveSignature(tx, orgId, period.key, JSON.stringify(statement), signature);
  return statement;
}

/** GET /v1/orgs/{org}/statements/{period}/proof: the signed statement with every entry of its chain segment. */
export async function statementProof({ ctx, orgId, period }: { ctx: AppContext; orgId: string; period: string }): Promise<StatementProof> {
  const now = ctx.clock.now();
  const key = await statementKey(ctx.db, now);
  return ctx.db.read(async (q) => {
    const org = await requireOrg(q, orgId);
    const p = resolvePeriod(org, period, now);
    const stored = await findSignature(q, orgId, p.key);
    if (!stored) throw new TallyError('conflict', `Period ${p.key} is not closed yet: only a closed statement has a proof.`);
    if (!stored.body || !stored.signature || !stored.keyId) {
      throw new TallyError('not_found', `The statement for ${p.key} was closed before statements were signed, so it has no proof.`);
    }
    if (stored.keyId !== key.keyId) {
      throw new TallyError('conflict', `The statement for ${p.key} was signed by key ${stored.keyId}, which is no longer this server's statement key (${key.keyId}).`);
    }
    const statement = JSON.parse(stored.body) as SignedStatement;
    const entries: ProofEntry[] = [];
    if (statement.chain) {
      const found = await findChainSegment(q, orgId, statement.chain.first_seq, statement.chain.last_seq);
      let prev = (await findHashBefore(q, orgId, statement.chain.first_seq)) ?? GENESIS;
      const startsAt = Date.parse(statement.starts_at);
      const endsAt = Date.parse(statement.ends_at);
      for (const r of found) {
        const e = chainedEntry(r, prev);
        const at = Date.parse(e.occurred_at);
        entries.push({ ...e, in_period: at >= startsAt && at < endsAt });
        prev = e.hash;
      }
    }
    return {
      format: PROOF_FORMAT,
      statement,
      signature: { algorithm: 'Ed25519', key_id: stored.keyId, signature: stored.signature },
      public_key: { algorithm: 'Ed25519', key_id: key.keyId, public_key_pem: key.publicKeyPem },
      entries,
    };
  });
}
