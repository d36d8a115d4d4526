import { sql } from 'drizzle-orm';
import { RetryTransaction, type Q } from '../../db/client.js';
import { big, mapRows, text, type DbRow } from '../../db/rows.js';
import { entryHash, GENESIS } from '../../domain/chain.js';

export type EntryType =
  | 'grant'
  | 'usage'
  | 'expiry'
  | 'void'
  | 'adjustment'
  | 'hold'
  | 'hold_release'
  | 'hold_capture'
  | 'reversal'
  | 'rollover';

export interface Entry {
  type: EntryType;
  amount: bigint;
  from: string;
  to: string;
  blockId?: string | null;
  blockBalanceAfter?: bigint | null;
  grantId?: string | null;
  occurredAt: Date;
  eventId?: string | null;
  ref?: string | null;
  actor?: string | null;
}

export const blockAccount = (blockId: string): string => `block:${blockId}`;

interface ChainHead {
  seq: bigint;
  hash: string;
}

const toChainHead = (r: DbRow): [string, ChainHead] => [text(r.org_id), { seq: big(r.seq), hash: text(r.hash) }];

/**
 * The chain head this process last wrote, per organization (issue 10): a hint
 * that spares the head read in the usual case, where the last writer of an
 * organization was this server. The write checks it: it continues the chain
 * only from the head as stored, so a stale hint (another server wrote since,
 * or the transaction that wrote it rolled back) makes the transaction run
 * again with the head read, and never forks the chain.
 */
const chainHeads = new Map<string, ChainHead>();
const CHAIN_HEADS_MAX = 10_000;
const UNIQUE_VIOLATION = '23505';
const isBlockAccount = (account: string): boolean => account.startsWith('block:');

/**
 * Collects the entries of one transaction and writes them, the new block
 * balances and the account caches in set-based statements. Every change of
 * credits in Tally goes through here.
 *
 * The hash chain (issue 15): flush reads the organization's chain head
 * (ledger_chain) unless this process wrote it last (`chainHeads`), numbers
 * and hashes the entries in JS, and writes them and the new head in one
 * statement, which moves the head only from the one the entries continue. RULE: flush runs only inside a transaction
 * that holds the organization's row lock (`lockOrg` / `select … for update` on
 * orgs), so two transactions never read the same head; every caller does
 * (ingest, holds, grants, purchases, expiry, rollover, period close). The
 * unique index on (org_id, chain_seq) makes a caller that breaks the rule fail
 * instead of forking the chain.
 */
export class LedgerBatch {
  readonly entries: Entry[] = [];
  private readonly blockRemaining = new Map<string, bigint>();
  private readonly accountDeltas = new Map<string, bigint>();

  constructor(
    readonly orgId: string,
    readonly recordedAt: Date,
  ) {}

  /** Moves credit between two accounts; a block's new balance is given with its entry. */
  move(entry: Entry): void {
    if (entry.amount <= 0n) throw new RangeError(`ledger amount must be positive, got ${entry.amount}`);
    this.entries.push(entry);
    if (entry.blockId && entry.blockBalanceAfter !== undefined && entry.blockBalanceAfter !== null) {
      this.blockRemaining.set(entry.blockId, entry.blockBalanceAfter);
    }
    for (const [account, delta] of [
      [entry.from, -entry.amount],
      [entry.to, entry.amount],
    ] as const) {
      if (!isBlockAccount(account)) this.accountDeltas.set(account, (this.accountDeltas.get(account) ?? 0n) + delta);
    }
  }

  /** whether one of the blocks this batch moved credit from is now empty */
  get emptiedBlock(): boolean {
    for (const remaining of this.blockRemaining.values()) if (remaining === 0n) return true;
    return false;
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  async flush(tx: Q): Promise<void> {
    await LedgerBatch.flushAll(tx, [this]);
  }

  /**
   * Writes the batches of several organizations (each locked by this
   * transaction) in two statements whatever their number: one reads and pins
   * every chain head, one writes every entry, block balance, account cache
   * and new chain head (issue 10: a mixed batch is set-based across
   * organizations).
   */
  static async flushAll(tx: Q, all: LedgerBatch[]): Promise<void> {
    const batches = all.filter((b) => b.entries.length > 0);
    if (batches.length === 0) return;
    if (new Set(batches.map((b) => b.orgId)).size !== batches.length) throw new Error('one ledger batch per organization and transaction');
    // The heads this process wrote last are taken as they are (the write checks them); the others are read after
    // the locks were granted (never with them: a read in the lock statement may see the snapshot from before the
    // wait, and a stale head would fork the chain).
    const headOf = new Map<string, ChainHead>();
    for (const b of batches) {
      const known = chainHeads.get(b.orgId);
      if (known) headOf.set(b.orgId, known);
    }
    const unknown = batches.filter((b) => !headOf.has(b.orgId)).map((b) => b.orgId);
    if (unknown.length > 0) {
      const heads = await mapRows(
        tx,
        sql`insert into ledger_chain (org_id, seq, hash)
            select u.org_id, 0, ${GENESIS} from unnest(${sql.param(unknown)}::text[]) as u(org_id) order by 1
            on conflict (org_id) do update set seq = ledger_chain.seq returning org_id, seq, hash`,
        toChainHead,
      );
      for (const [orgId, head] of heads) headOf.set(orgId, head);
    }
    const hinted = batches.length - unknown.length;
    const rowsOut: { org: string; e: Entry; recordedAt: string; seq: string; hash: string }[] = [];
    const chainEnds: { org: string; from: bigint; fromHash: string; seq: string; hash: string }[] = [];
    const blocks: { org: string; id: string; remaining: string }[] = [];
    const accounts: { org: string; account: string; delta: string }[] = [];
    for (const b of batches) {
      const head = headOf.get(b.orgId)!;
      const recordedAt = b.recordedAt.toISOString();
      let seq = head.seq;
      let prev = head.hash;
      for (const x of b.entries) {
        seq += 1n;
        const hash = entryHash({
          org: b.orgId,
          seq: seq.toString(),
          prev,
          type: x.type,
          amount: x.amount.toString(),
          from: x.from,
          to: x.to,
          block: x.blockId ?? null,
          block_balance_after: x.blockBalanceAfter?.toString() ?? null,
          grant: x.grantId ?? null,
          occurred_at: x.occurredAt.toISOString(),
          recorded_at: recordedAt,
          event: x.eventId ?? null,
          ref: x.ref ?? null,
          actor: x.actor ?? null,
        });
        rowsOut.push({ org: b.orgId, e: x, recordedAt, seq: seq.toString(), hash });
        prev = hash;
      }
      chainEnds.push({ org: b.orgId, from: head.seq, fromHash: head.hash, seq: seq.toString(), hash: prev });
      for (const [id, remaining] of b.blockRemaining) blocks.push({ org: b.orgId, id, remaining: remaining.toString() });
      for (const [account, delta] of b.accountDeltas) if (delta !== 0n) accounts.push({ org: b.orgId, account, delta: delta.toString() });
    }
    const col = <T, V>(list: T[], f: (x: T) => V) => sql.param(list.map(f));
    const blocksSet =
      blocks.length === 0
        ? sql``
        : sql`, blocks_set as (
            update blocks b set remaining = u.remaining
            from unnest(${col(blocks, (x) => x.org)}::text[], ${col(blocks, (x) => x.id)}::text[], ${col(blocks, (x) => x.remaining)}::bigint[])
              as u(org_id, id, remaining)
            where b.org_id = u.org_id and b.id = u.id
          )`;
    const accountsSet =
      accounts.length === 0
        ? sql``
        : sql`, accounts_set as (
            insert into accounts (org_id, account, balance)
            select u.org_id, u.account, u.delta
            from unnest(${col(accounts, (x) => x.org)}::text[], ${col(accounts, (x) => x.account)}::text[], ${col(accounts, (x) => x.delta)}::bigint[])
              as u(org_id, account, delta)
            order by u.org_id, u.account
            on conflict (org_id, account) do update set balance = accounts.balance + excluded.balance
          )`;
    const r = rowsOut;
    const write = mapRows(tx, sql`
      with written as (
        insert into ledger_entries (org_id, type, amount, from_account, to_account, block_id, block_balance_after,
          grant_id, occurred_at, recorded_at, event_id, ref, actor, chain_seq, hash)
        select t.org_id, t.type, t.amount, t.from_account, t.to_account, t.block_id, t.block_balance_after,
          t.grant_id, t.occurred_at, t.recorded_at, t.event_id, t.ref, t.actor, t.chain_seq, t.hash
        from unnest(
          ${col(r, (x) => x.org)}::text[],
          ${col(r, (x) => x.e.type)}::text[],
          ${col(r, (x) => x.e.amount.toString())}::bigint[],
          ${col(r, (x) => x.e.from)}::text[],
          ${col(r, (x) => x.e.to)}::text[],
          ${col(r, (x) => x.e.blockId ?? null)}::text[],
          ${col(r, (x) => x.e.blockBalanceAfter?.toString() ?? null)}::bigint[],
          ${col(r, (x) => x.e.grantId ?? null)}::text[],
          ${col(r, (x) => x.e.occurredAt.toISOString())}::timestamptz[],
          ${col(r, (x) => x.recordedAt)}::timestamptz[],
          ${col(r, (x) => x.e.eventId ?? null)}::text[],
          ${col(r, (x) => x.e.ref ?? null)}::text[],
          ${col(r, (x) => x.e.actor ?? null)}::text[],
          ${col(r, (x) => x.seq)}::bigint[],
          ${col(r, (x) => x.hash)}::text[]
        ) with ordinality as t(org_id, type, amount, from_account, to_account, block_id, block_balance_after,
          grant_id, occurred_at, recorded_at, event_id, ref, actor, chain_seq, hash, n)
        order by t.n
        returning 1
      )${blocksSet}${accountsSet}
      update ledger_chain c set seq = u.seq, hash = u.hash
      from unnest(${col(chainEnds, (x) => x.org)}::text[], ${col(chainEnds, (x) => x.from.toString())}::bigint[],
          ${col(chainEnds, (x) => x.fromHash)}::text[], ${col(chainEnds, (x) => x.seq)}::bigint[], ${col(chainEnds, (x) => x.hash)}::text[])
        as u(org_id, from_seq, from_hash, seq, hash)
      where c.org_id = u.org_id and c.seq = u.from_seq and c.hash = u.from_hash and (select count(*) from written) = ${r.length}
      returning c.org_id`, (m) => text(m.org_id));
    let moved: string[];
    try {
      moved = await write;
    } catch (error) {
      const e = error as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
      const code = e.code ?? e.cause?.code;
      const constraint = e.constraint ?? e.cause?.constraint;
      for (const b of batches) chainHeads.delete(b.orgId);
      // a hinted head behind the stored one: its next position is taken already
      if (hinted > 0 && code === UNIQUE_VIOLATION && constraint === 'ledger_chain_seq') throw new RetryTransaction('a cached ledger chain head was stale');
      throw error;
    }
    if (moved.length !== chainEnds.length) {
      // a hinted head that is not the stored one (ahead of it after a rollback, or another server's write)
      for (const b of batches) chainHeads.delete(b.orgId);
      throw new RetryTransaction('a cached ledger chain head was stale');
    }
    if (chainHeads.size + chainEnds.length > CHAIN_HEADS_MAX) chainHeads.clear();
    for (const end of chainEnds) chainHeads.set(end.org, { seq: BigInt(end.seq), hash: end.hash });
  }
}
