import { createPublicKey, verify } from 'node:crypto';
import { canonicalJson, checkChain, type ChainedEntry } from './chain.js';
import { formatMicro, parseMicro } from './money.js';

/**
 * A statement proof (docs/statement-proof.md) and its offline check. Pure: no
 * database, no network; `tally verify-statement` and the tests share it.
 */
export const PROOF_FORMAT = 'tally-statement-proof-v1';
export const STATEMENT_FORMAT = 'tally-statement-v1';

export const SUMMARY_LINES = ['brought_forward', 'purchased', 'granted', 'adjustments', 'consumed', 'expired', 'rolled_over', 'forfeited', 'corrections', 'closing'] as const;
export type SummaryLine = (typeof SUMMARY_LINES)[number];

/** The document signed at period close. Amounts in credits as decimal strings, like the API. */
export interface SignedStatement {
  format: typeof STATEMENT_FORMAT;
  org: string;
  period: string;
  status: 'closed';
  starts_at: string;
  ends_at: string;
  closed_at: string;
  summary: Record<SummaryLine, string>;
  /** the period's entries in the chain: null when the period had none */
  chain: { first_seq: string; first_hash: string; last_seq: string; last_hash: string; entries: number } | null;
}

export interface ProofEntry extends ChainedEntry {
  /** true when occurred_at lies in the period: the entry counts in the statement */
  in_period: boolean;
}

export interface StatementProof {
  format: typeof PROOF_FORMAT;
  statement: SignedStatement;
  signature: { algorithm: 'Ed25519'; key_id: string; signature: string };
  public_key: { algorithm: 'Ed25519'; key_id: string; public_key_pem: string };
  /** every entry from the chain's first_seq to last_seq, in order */
  entries: ProofEntry[];
}

type Flows = Record<Exclude<SummaryLine, 'brought_forward' | 'closing'>, bigint> & { net: bigint };

const isBalance = (account: string) => account.startsWith('block:') || account === 'held' || account === 'overage';

/**
 * How one entry counts in a statement: the same classification as the SQL
 * fold (src/modules/statements/queries.ts FLOWS). `net` is the change of the
 * balance accounts, computed independently of the lines.
 */
export function entryFlows(e: Pick<ChainedEntry, 'type' | 'amount' | 'from' | 'to' | 'ref'>): Flows {
  const a = BigInt(e.amount);
  const ref = e.ref ?? '';
  const f: Flows = { purchased: 0n, granted: 0n, adjustments: 0n, consumed: 0n, expired: 0n, rolled_over: 0n, forfeited: 0n, corrections: 0n, net: 0n };
  const grantLine = ref === 'purchased' ? 'purchased' : ref === 'adjustment' ? 'adjustments' : 'granted';
  if (e.from === 'issued') f[grantLine] += a;
  else if (e.to === 'issued') f[grantLine] -= a;
  if (e.to === 'voided') f.adjustments -= a;
  else if (e.from === 'voided') f.adjustments += a;
  if (e.to === 'consumed') f.consumed += a;
  else if (e.from === 'consumed') f.consumed -= a;
  const expiryLine = ref === 'forfeited' ? 'forfeited' : 'expired';
  if (e.to === 'expired') f[expiryLine] += a;
  else if (e.from === 'expired') f[expiryLine] -= a;
  if (e.type === 'rollover' && e.to === 'rollover') f.rolled_over += a;
  // a correction of a closed period's usage (SPEC §3.14): shown on its own line, already inside consumed
  if (e.type === 'adjustment' && e.from === 'consumed') f.corrections += a;
  else if (e.type === 'adjustment' && e.to === 'consumed') f.corrections -= a;
  f.net = (isBalance(e.to) ? a : 0n) - (isBalance(e.from) ? a : 0n);
  return f;
}

export interface ProofCheck {
  ok: boolean;
  /** one sentence per failure, naming what and where */
  failures: string[];
  /** what was checked, for the report */
  checked: string[];
}

/**
 * Checks a proof offline: the signature over the statement (by the key in the
 * file, or `pinnedKeyPem` when given, which must then be the file's key too),
 * the chain links and hashes from first to last entry, the chain ends the
 * statement names, and every summary line recomputed from the period's
 * entries, with closing = brought forward + purchased + granted + adjustments
 * − consumed − expired − forfeited.
 */
export function checkStatementProof(proof: StatementProof, pinnedKeyPem?: string): ProofCheck {
  const failures: string[] = [];
  const checked: string[] = [];
  if (proof?.format !== PROOF_FORMAT || !proof.statement || !Array.isArray(proof.entries)) {
    return { ok: false, failures: [`the file is not a statement proof (format "${String(proof?.format)}", expected "${PROOF_FORMAT}")`], checked };
  }
  const s = proof.statement;
  const where = `statement ${s.period} of organization ${s.org}`;

  // 1. The signature.
  const keyPem = pinnedKeyPem ?? proof.public_key?.public_key_pem;
  if (pinnedKeyPem && normalizePem(pinnedKeyPem) !== normalizePem(proof.public_key?.public_key_pem ?? '')) {
    failures.push(`${where}: the proof names a different public key (${proof.public_key?.key_id ?? 'none'}) from the pinned one`);
  }
  let signed = false;
  try {
    signed = verify(null, Buffer.from(canonicalJson(s), 'utf8'), createPublicKey(keyPem), Buffer.from(proof.signature?.signature ?? '', 'base64url'));
  } catch {
    signed = false;
  }
  if (!signed) failures.push(`${where}: the signature does not match the statement — its figures or chain ends were changed after signing, or it was signed by another key`);
  else checked.push(`signature by key ${proof.signature.key_id} over the statement`);

  // 2. The chain.
  const entries = proof.entries;
  if (s.chain === null) {
    if (entries.length > 0) failures.push(`${where}: the statement names no entries but the proof lists ${entries.length}`);
  } else {
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (!first || !last) {
      failures.push(`${where}: the statement names entries ${s.chain.first_seq} to ${s.chain.last_seq} but the proof lists none`);
    } else {
      const breach = checkChain(s.org, entries, { seq: BigInt(s.chain.first_seq), prev: first.prev });
      if (breach) failures.push(`${where}: ${breach.message}`);
      if (first.hash !== s.chain.first_hash || first.seq !== s.chain.first_seq) {
        failures.push(`${where}: the first entry listed (${first.id}, position ${first.seq}) is not the signed first entry (position ${s.chain.first_seq}, ${s.chain.first_hash.slice(0, 12)}…)`);
      }
      if (last.hash !== s.chain.last_hash || last.seq !== s.chain.last_seq) {
        failures.push(
          `${where}: the last entry listed (${last.id}, position ${last.seq}) is not the signed last entry (position ${s.chain.last_seq}, ${s.chain.last_hash.slice(0, 12)}…): entries were removed or added at the end`,
        );
      }
      if (!breach) checked.push(`hash chain of ${entries.length} entries, positions ${first.seq} to ${last.seq}`);
    }
  }

  // 3. The statement identity, recomputed from the entries.
  const startsAt = Date.parse(s.starts_at);
  const endsAt = Date.parse(s.ends_at);
  const sum: Flows = { purchased: 0n, granted: 0n, adjustments: 0n, consumed: 0n, expired: 0n, rolled_over: 0n, forfeited: 0n, corrections: 0n, net: 0n };
  let counted = 0;
  for (const e of entries) {
    const at = Date.parse(e.occurred_at);
    const inPeriod = at >= startsAt && at < endsAt;
    if (inPeriod !== e.in_period) failures.push(`${where}: entry ${e.id} is marked ${e.in_period ? 'in' : 'outside'} the period but occurred at ${e.occurred_at}`);
    if (!inPeriod) continue;
    counted++;
    const f = entryFlows(e);
    for (const k of Object.keys(sum) as (keyof Flows)[]) sum[k] += f[k];
  }
  let figures: Record<SummaryLine, bigint>;
  try {
    figures = Object.fromEntries(SUMMARY_LINES.map((k) => [k, parseMicro(s.summary[k])])) as Record<SummaryLine, bigint>;
  } catch (error) {
    failures.push(`${where}: a summary figure is not an amount (${(error as Error).message})`);
    return { ok: false, failures, checked };
  }
  const lines = ['purchased', 'granted', 'adjustments', 'consumed', 'expired', 'rolled_over', 'forfeited', 'corrections'] as const;
  if (s.chain === null && lines.some((k) => figures[k] !== 0n)) {
    failures.push(`${where}: the statement names no hashed entries (its period has entries from before the hash chain), so its figures cannot be recomputed`);
    return { ok: false, failures, checked };
  }
  for (const k of lines) {
    if (figures[k] !== sum[k]) failures.push(`${where}: ${label(k)} says ${s.summary[k]} but its ${counted} entries add up to ${formatMicro(sum[k])}`);
  }
  const identity = figures.brought_forward + figures.purchased + figures.granted + figures.adjustments - figures.consumed - figures.expired - figures.forfeited;
  if (identity !== figures.closing) {
    failures.push(
      `${where}: closing ${s.summary.closing} ≠ brought forward + purchased + granted + adjustments − consumed − expired − forfeited = ${formatMicro(identity)}`,
    );
  }
  const fromEntries = figures.brought_forward + sum.net;
  if (fromEntries !== figures.closing) {
    failures.push(`${where}: closing ${s.summary.closing} ≠ brought forward ${s.summary.brought_forward} + the net change of the balance in its entries (${formatMicro(sum.net)})`);
  }
  if (failures.length === 0) checked.push(`every summary line recomputed from ${counted} entries, and closing = brought forward + purchased + granted + adjustments − consumed − expired − forfeited`);
  return { ok: failures.length === 0, failures, checked };
}

const label = (k: SummaryLine) => k.replace('_', ' ').replace(/^./, (c) => c.toUpperCase());
const normalizePem = (pem: string) => pem.replace(/\s+/g, '');
