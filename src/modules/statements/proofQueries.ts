/** The statement proof's reads and writes: the chain segment a period covers, and the signature stored with a statement. */
import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { int, mapFirst, mapRows, text, textOrNull, type DbRow } from '../../db/rows.js';
import type { Period } from '../../domain/time.js';
import { CHAIN_COLUMNS, type ChainRow, toChainRow } from '../ledger/index.js';

/** The first and last chained entry of a period, and how many entries it has with and without a chain position. */
export interface ChainEnds {
  firstSeq: string | null;
  firstHash: string | null;
  lastSeq: string | null;
  lastHash: string | null;
  chained: number;
  unchained: number;
}

export function toChainEnds(r: DbRow): ChainEnds {
  return {
    firstSeq: textOrNull(r.firstSeq),
    firstHash: textOrNull(r.firstHash),
    lastSeq: textOrNull(r.lastSeq),
    lastHash: textOrNull(r.lastHash),
    chained: int(r.n),
    unchained: int(r.unchained),
  };
}

export async function findChainEnds(q: Q, orgId: string, period: Period): Promise<ChainEnds | undefined> {
  // Positions are ordered as numbers: ORDER BY p.chain_seq, qualified, because an unqualified name would
  // pick the output column `chain_seq::text` and order as text ('10' before '9').
  return mapFirst(
    q,
    sql`with p as (
          select chain_seq, hash from ledger_entries
          where org_id = ${orgId} and occurred_at >= ${period.startsAt.toISOString()}::timestamptz and occurred_at < ${period.endsAt.toISOString()}::timestamptz
        )
        select (select p.chain_seq::text from p where p.chain_seq is not null order by p.chain_seq limit 1) as "firstSeq",
          (select p.hash from p where p.chain_seq is not null order by p.chain_seq limit 1) as "firstHash",
          (select p.chain_seq::text from p where p.chain_seq is not null order by p.chain_seq desc limit 1) as "lastSeq",
          (select p.hash from p where p.chain_seq is not null order by p.chain_seq desc limit 1) as "lastHash",
          (select count(chain_seq)::text from p) as n, (select (count(*) - count(chain_seq))::text from p) as unchained`,
    toChainEnds,
  );
}

export async function saveSignature(
  tx: Q,
  orgId: string,
  period: string,
  body: string,
  signature: { signature: string; key_id: string },
): Promise<void> {
  await tx.execute(sql`update statements set signed_body = ${body}, signature = ${signature.signature},
      signature_key_id = ${signature.key_id} where org_id = ${orgId} and period = ${period}`);
}

export interface StoredSignature {
  body: string | null;
  signature: string | null;
  keyId: string | null;
}

export function toStoredSignature(r: DbRow): StoredSignature {
  return { body: textOrNull(r.body), signature: textOrNull(r.signature), keyId: textOrNull(r.keyId) };
}

/** A closed statement's signed body and signature; undefined when the period has no statement. */
export async function findSignature(q: Q, orgId: string, period: string): Promise<StoredSignature | undefined> {
  return mapFirst(
    q,
    sql`select signed_body as body, signature, signature_key_id as "keyId" from statements where org_id = ${orgId} and period = ${period}`,
    toStoredSignature,
  );
}

/** The hash of the entry before chain position `seq` (undefined at the chain's start). */
export async function findHashBefore(q: Q, orgId: string, seq: string): Promise<string | undefined> {
  return mapFirst(
    q,
    sql`select hash from ledger_entries where org_id = ${orgId} and chain_seq = ${seq}::bigint - 1`,
    (r) => text(r.hash),
  );
}

/** The chained entries from position `first` to `last`, in chain order. */
export async function findChainSegment(q: Q, orgId: string, first: string, last: string): Promise<ChainRow[]> {
  return mapRows(
    q,
    sql`select ${CHAIN_COLUMNS} from ledger_entries where org_id = ${orgId}
        and chain_seq between ${first}::bigint and ${last}::bigint order by chain_seq`,
    toChainRow,
  );
}
