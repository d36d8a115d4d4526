import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bigOrNull, date, int, mapFirst, mapRows, text, textOrNull, type DbRow } from '../../db/rows.js';
import { checkChain, GENESIS, type ChainBreach, type ChainedEntry } from '../../domain/chain.js';

export interface OrgProof {
  orgId: string;
  entries: number;
  /** Σ over all accounts of their derived balances: must be 0 */
  entrySum: bigint;
  /** the lowest balance any block ever had after an entry, and the lowest it has now */
  lowestBlockBalance: bigint | null;
  mismatches: { account: string; cached: bigint; derived: bigint }[];
  /** the hash chain (issue 15): entries covered, entries written before the chain existed, the first breach */
  chain: { entries: number; beforeChain: number; breach: ChainBreach | null };
  ok: boolean;
}

interface DerivedBalance {
  account: string;
  balance: bigint;
  /** entries that moved credit to or from the account */
  entries: number;
}

function toDerivedBalance(r: DbRow): DerivedBalance {
  return { account: text(r.account), balance: big(r.balance), entries: int(r.entries) };
}

const toAccountBalance = (r: DbRow): [string, bigint] => [text(r.account), big(r.balance)];

/**
 * The proof of SPEC §3.13 items 1–2 for one organization: every account's
 * balance derived from the entries equals its cache, the derived balances sum
 * to zero, and no block is, or ever was, below zero.
 */
export async function proveOrg(q: Q, orgId: string): Promise<OrgProof> {
  const derived = await mapRows(
    q,
    sql`select account, sum(delta)::bigint as balance, count(*)::bigint as entries from (
          select to_account as account, amount as delta from ledger_entries where org_id = ${orgId}
          union all
          select from_account, -amount from ledger_entries where org_id = ${orgId}
        ) x group by account`,
    toDerivedBalance,
  );
  const cachedBlocks = await mapRows(q, sql`select id, remaining from blocks where org_id = ${orgId}`, (r) => [text(r.id), big(r.remaining)] as const);
  const cachedAccounts = await mapRows(q, sql`select account, balance from accounts where org_id = ${orgId}`, toAccountBalance);
  const lowestBlockBalance =
    (await mapFirst(
      q,
      sql`select least((select min(block_balance_after) from ledger_entries where org_id = ${orgId}),
                       (select min(remaining) from blocks where org_id = ${orgId})) as low`,
      (r) => bigOrNull(r.low),
    )) ?? null;
  const cached = new Map<string, bigint>();
  for (const [id, remaining] of cachedBlocks) cached.set(`block:${id}`, remaining);
  for (const [account, balance] of cachedAccounts) cached.set(account, balance);
  const derivedMap = new Map(derived.map((d) => [d.account, d.balance]));
  const mismatches: OrgProof['mismatches'] = [];
  for (const account of new Set([...cached.keys(), ...derivedMap.keys()])) {
    const c = cached.get(account) ?? 0n;
    const d = derivedMap.get(account) ?? 0n;
    if (c !== d) mismatches.push({ account, cached: c, derived: d });
  }
  const entrySum = [...derivedMap.values()].reduce((a, b) => a + b, 0n);
  const entries = derived.reduce((n, d) => n + d.entries, 0) / 2;
  const chain = await proveChain(q, orgId);
  return {
    orgId,
    entries,
    entrySum,
    lowestBlockBalance,
    mismatches,
    chain,
    ok: entrySum === 0n && mismatches.length === 0 && (lowestBlockBalance === null || lowestBlockBalance >= 0n) && chain.breach === null,
  };
}

const CHAIN_PAGE = 5000;

/** An entry row with the chain fields, as `tally verify` and the statement proof read it. */
export const CHAIN_COLUMNS = sql`id::text as id, org_id as org, chain_seq::text as seq, type, amount::text as amount,
  from_account as "from", to_account as "to", block_id as block, block_balance_after::text as block_balance_after,
  grant_id as "grant", occurred_at, recorded_at, event_id as event, ref, actor, hash`;

export interface ChainRow extends Omit<ChainedEntry, 'prev' | 'occurred_at' | 'recorded_at'> {
  occurred_at: Date | string;
  recorded_at: Date | string;
}

export function toChainRow(r: DbRow): ChainRow {
  return {
    id: text(r.id),
    org: text(r.org),
    seq: text(r.seq),
    type: text(r.type),
    amount: text(r.amount),
    from: text(r.from),
    to: text(r.to),
    block: textOrNull(r.block),
    block_balance_after: textOrNull(r.block_balance_after),
    grant: textOrNull(r.grant),
    occurred_at: date(r.occurred_at),
    recorded_at: date(r.recorded_at),
    event: textOrNull(r.event),
    ref: textOrNull(r.ref),
    actor: textOrNull(r.actor),
    hash: text(r.hash),
  };
}

/** A row as hashed: `prev` is the hash of the row before it in recording order (the chain does not store it twice). */
export function chainedEntry(row: ChainRow, prev: string): ChainedEntry {
  return {
    ...row,
    prev,
    occurred_at: new Date(row.occurred_at).toISOString(),
    recorded_at: new Date(row.recorded_at).toISOString(),
  };
}

interface ChainCounts {
  /** entries written before the chain existed */
  before: number;
  chained: number;
  firstChained: bigint | null;
  lastUnchained: bigint | null;
}

function toChainCounts(r: DbRow): ChainCounts {
  return { before: int(r.before), chained: int(r.chained), firstChained: bigOrNull(r.firstChained), lastUnchained: bigOrNull(r.lastUnchained) };
}

/**
 * Walks the organization's chain in recording (id) order, a page at a time:
 * every position present once and in order, every hash matching its fields and
 * its predecessor, and the chain head (ledger_chain) naming the last entry, so
 * removing the newest entries is caught too. Entries written before the chain
 * existed (chain_seq null) must all come before the first chained one.
 */
async function proveChain(q: Q, orgId: string): Promise<OrgProof['chain']> {
  const counts = (await mapFirst(
    q,
    sql`select count(*) filter (where chain_seq is null)::text as before, count(chain_seq)::text as chained,
          min(id) filter (where chain_seq is not null)::text as "firstChained", max(id) filter (where chain_seq is null)::text as "lastUnchained"
        from ledger_entries where org_id = ${orgId}`,
    toChainCounts,
  ))!;
  const { before: beforeChain, chained: entries, firstChained, lastUnchained } = counts;
  const result = (breach: ChainBreach | null) => ({ entries, beforeChain, breach });
  if (firstChained !== null && lastUnchained !== null && lastUnchained > firstChained) {
    return result({
      entryId: lastUnchained.toString(),
      seq: null,
      message: `organization ${orgId}: entry ${lastUnchained} has no chain position but was recorded after chained entry ${firstChained}: it was inserted outside the ledger writer`,
    });
  }
  let afterId = '0';
  let start = { seq: 1n, prev: GENESIS };
  for (;;) {
    const page = await mapRows(
      q,
      sql`select ${CHAIN_COLUMNS} from ledger_entries
          where org_id = ${orgId} and chain_seq is not null and id > ${afterId}::bigint order by ledger_entries.id limit ${CHAIN_PAGE}`,
      toChainRow,
    );
    if (page.length === 0) break;
    // Each entry's `prev` is the hash the walk saw last; checkChain then compares positions and hashes.
    const chained: ChainedEntry[] = [];
    let prev = start.prev;
    for (const r of page) {
      const e = chainedEntry(r, prev);
      chained.push(e);
      prev = e.hash;
    }
    const breach = checkChain(orgId, chained, start);
    if (breach) return result(breach);
    const last = chained[chained.length - 1]!;
    start = { seq: BigInt(last.seq) + 1n, prev: last.hash };
    afterId = last.id;
  }
  const head = await mapFirst(q, sql`select seq::text as seq, hash from ledger_chain where org_id = ${orgId}`, (r) => ({
    seq: big(r.seq),
    hash: text(r.hash),
  }));
  const headSeq = head?.seq ?? 0n;
  if (headSeq !== start.seq - 1n || (head && head.hash !== start.prev)) {
    return result({
      entryId: null,
      seq: head?.seq.toString() ?? null,
      message:
        headSeq > start.seq - 1n
          ? `organization ${orgId}: the chain head says ${headSeq} entries were written but only ${start.seq - 1n} are present: the newest ${headSeq - start.seq + 1n} entries were removed`
          : `organization ${orgId}: the chain ends at position ${start.seq - 1n} but its recorded head is position ${headSeq} (${head?.hash.slice(0, 12) ?? 'none'}…): the head or the last entry was changed`,
    });
  }
  return result(null);
}

export async function allOrgIds(q: Q): Promise<string[]> {
  return mapRows(q, sql`select id from orgs order by id`, (r) => text(r.id));
}
