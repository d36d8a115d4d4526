import { hash } from 'node:crypto';

/**
 * The ledger hash chain (issue 15, docs/statement-proof.md). Each
 * organization's entries are numbered 1, 2, 3… in recording order (`seq`), and
 * each entry's hash is the SHA-256 (lowercase hex) of the canonical JSON of its
 * fields plus its position and the previous entry's hash. The first entry's
 * `prev` is GENESIS. Pure: used by the writer (LedgerBatch), by `tally verify`
 * and by `tally verify-statement`, so all three hash exactly the same bytes.
 */
export const GENESIS = '0'.repeat(64);

/** An entry as hashed and as published in a statement proof: amounts in micro-credits as decimal integer strings. */
export interface ChainFields {
  org: string;
  seq: string;
  prev: string;
  type: string;
  amount: string;
  from: string;
  to: string;
  block: string | null;
  block_balance_after: string | null;
  grant: string | null;
  /** ISO 8601 UTC with milliseconds, as Date.prototype.toISOString writes it */
  occurred_at: string;
  recorded_at: string;
  event: string | null;
  ref: string | null;
  actor: string | null;
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace,
 * strings and keys as JSON.stringify writes them, `undefined` members left
 * out. Amounts are already decimal strings, so no number formatting can differ
 * between the writer and an offline verifier.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError('canonical JSON has no NaN or Infinity');
    if (typeof value === 'bigint') throw new TypeError('canonical JSON takes amounts as decimal strings, not bigint');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hashed members in canonical (sorted) order: entryHash writes them directly, without a generic sort per entry. */
export const CHAIN_KEYS = [
  'actor',
  'amount',
  'block',
  'block_balance_after',
  'event',
  'from',
  'grant',
  'occurred_at',
  'org',
  'prev',
  'recorded_at',
  'ref',
  'seq',
  'to',
  'type',
] as const satisfies readonly (keyof ChainFields)[];

/**
 * canonical_json of exactly the CHAIN_KEYS members (only the documented
 * members are hashed, whatever else the object carries). Equal to
 * canonicalJson(pick(fields, CHAIN_KEYS)) — a test holds it to that, on
 * awkward strings too — but written directly: it runs once per ledger entry on
 * the ingest path, inside the organization's lock (issue 10: the generic
 * encoding and a hash object per entry were 10 µs of every batch event).
 */
export function chainJson(f: ChainFields): string {
  return (
    `{"actor":${str(f.actor)},"amount":${str(f.amount)},"block":${str(f.block)},` +
    `"block_balance_after":${str(f.block_balance_after)},"event":${str(f.event)},"from":${str(f.from)},` +
    `"grant":${str(f.grant)},"occurred_at":${str(f.occurred_at)},"org":${str(f.org)},"prev":${str(f.prev)},` +
    `"recorded_at":${str(f.recorded_at)},"ref":${str(f.ref)},"seq":${str(f.seq)},"to":${str(f.to)},"type":${str(f.type)}}`
  );
}

/** Printable ASCII other than `"` and `\`: JSON.stringify writes such a string as it is, between quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A member's value as JSON.stringify writes it; ids, amounts, times and hashes take the short way. */
const str = (v: string | null | undefined): string => (v === null || v === undefined ? 'null' : PLAIN.test(v) ? `"${v}"` : JSON.stringify(v));

export function entryHash(fields: ChainFields): string {
  // one-shot hashing (Node ≥ 20.12, package.json's engines): no hash object per entry
  return hash('sha256', chainJson(fields), 'hex');
}

/** An entry as read back for checking: its fields, its stored hash and its database id (to name it). */
export interface ChainedEntry extends ChainFields {
  id: string;
  hash: string;
}

export interface ChainBreach {
  entryId: string | null;
  seq: string | null;
  message: string;
}

/**
 * Walks entries in recording (id) order and returns the first breach: a
 * position out of sequence (an entry removed, inserted or moved), a `prev`
 * that is not the previous entry's hash, or a hash that does not match the
 * fields (an entry changed). `start` is where the walk begins: position 1 and
 * GENESIS for a whole chain, or the position and previous hash a proof names.
 */
export function checkChain(
  org: string,
  entries: ChainedEntry[],
  start: { seq: bigint; prev: string } = { seq: 1n, prev: GENESIS },
): ChainBreach | null {
  let expectSeq = start.seq;
  let prev = start.prev;
  for (const e of entries) {
    const seq = BigInt(e.seq);
    if (e.org !== org) {
      return { entryId: e.id, seq: e.seq, message: `entry ${e.id} at position ${e.seq} belongs to organization ${e.org}, not ${org}` };
    }
    if (seq !== expectSeq) {
      const what =
        seq > expectSeq
          ? `${seq - expectSeq === 1n ? `the entry at position ${expectSeq} is missing` : `entries at positions ${expectSeq} to ${seq - 1n} are missing`} (removed, or this entry was moved)`
          : `it comes after position ${expectSeq - 1n}: the entry was inserted out of order or duplicated`;
      return { entryId: e.id, seq: e.seq, message: `organization ${org}: entry ${e.id} has chain position ${e.seq} where ${expectSeq} was expected — ${what}` };
    }
    if (e.prev !== prev) {
      return {
        entryId: e.id,
        seq: e.seq,
        message: `organization ${org}: entry ${e.id} (position ${e.seq}) does not link to the entry before it (prev ${short(e.prev)} ≠ ${short(prev)})`,
      };
    }
    const h = entryHash(e);
    if (h !== e.hash) {
      return {
        entryId: e.id,
        seq: e.seq,
        message: `organization ${org}: entry ${e.id} (position ${e.seq}, ${e.type} of ${e.amount} micro-credits) was changed after it was written: its fields hash to ${short(h)}, not the recorded ${short(e.hash)}`,
      };
    }
    prev = e.hash;
    expectSeq = seq + 1n;
  }
  return null;
}

const short = (hash: string) => `${hash.slice(0, 12)}…`;
