import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
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
const isBlockAccount = (account: string): boolean => account.startsWith('block:');

/**
 * Collects the entries of one transaction and writes them, the new block
 * balances and the account caches in set-based statements. Every change of
 * credits in Tally goes through here.
 *
 * The hash chain (issue 15): flush reads the organization's chain head
 * (ledger_chain), numbers and hashes the entries in JS, and writes them and
 * the new head in one statement. RULE: flush runs only inside a transaction
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
    if (this.entries.length === 0) return;
    const e = this.entries;
    const recordedAt = this.recordedAt.toISOString();
    const [head] = await rows<{ seq: bigint; hash: string }>(
      tx,
      sql`insert into ledger_chain (org_id, seq, hash) values (${this.orgId}, 0, ${GENESIS})
          on conflict (org_id) do update set seq = ledger_chain.seq returning seq, hash`,
    );
    let seq = BigInt(head!.seq);
    let prev = head!.hash;
    const seqs: string[] = [];
    const hashes: string[] = [];
    for (const x of e) {
      seq += 1n;
      const hash = entryHash({
        org: this.orgId,
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
      seqs.push(seq.toString());
      hashes.push(hash);
      prev = hash;
    }
    // One statement: the entries, the blocks' new balances, the account caches and the chain head.
    const ids = [...this.blockRemaining.keys()];
    const blocksSet =
      ids.length === 0
        ? sql``
        : sql`, blocks_set as (
            update blocks b set remaining = u.remaining
            from unnest(${sql.param(ids)}::text[], ${sql.param(ids.map((id) => this.blockRemaining.get(id)!.toString()))}::bigint[]) as u(id, remaining)
            where b.org_id = ${this.orgId} and b.id = u.id
          )`;
    const deltas = [...this.accountDeltas].filter(([, d]) => d !== 0n);
    const accountsSet =
      deltas.length === 0
        ? sql``
        : sql`, accounts_set as (
            insert into accounts (org_id, account, balance)
            select ${this.orgId}, u.account, u.delta
            from unnest(${sql.param(deltas.map(([a]) => a))}::text[], ${sql.param(deltas.map(([, d]) => d.toString()))}::bigint[])
              as u(account, delta)
            order by u.account
            on conflict (org_id, account) do update set balance = accounts.balance + excluded.balance
          )`;
    await tx.execute(sql`
      with written as (
        insert into ledger_entries (org_id, type, amount, from_account, to_account, block_id, block_balance_after,
          grant_id, occurred_at, recorded_at, event_id, ref, actor, chain_seq, hash)
        select ${this.orgId}, t.type, t.amount, t.from_account, t.to_account, t.block_id, t.block_balance_after,
          t.grant_id, t.occurred_at, ${recordedAt}::timestamptz, t.event_id, t.ref, t.actor, t.chain_seq, t.hash
        from unnest(
          ${sql.param(e.map((x) => x.type))}::text[],
          ${sql.param(e.map((x) => x.amount.toString()))}::bigint[],
          ${sql.param(e.map((x) => x.from))}::text[],
          ${sql.param(e.map((x) => x.to))}::text[],
          ${sql.param(e.map((x) => x.blockId ?? null))}::text[],
          ${sql.param(e.map((x) => x.blockBalanceAfter?.toString() ?? null))}::bigint[],
          ${sql.param(e.map((x) => x.grantId ?? null))}::text[],
          ${sql.param(e.map((x) => x.occurredAt.toISOString()))}::timestamptz[],
          ${sql.param(e.map((x) => x.eventId ?? null))}::text[],
          ${sql.param(e.map((x) => x.ref ?? null))}::text[],
          ${sql.param(e.map((x) => x.actor ?? null))}::text[],
          ${sql.param(seqs)}::bigint[],
          ${sql.param(hashes)}::text[]
        ) with ordinality as t(type, amount, from_account, to_account, block_id, block_balance_after,
          grant_id, occurred_at, event_id, ref, actor, chain_seq, hash, n)
        order by t.n
        returning 1
      )${blocksSet}${accountsSet}
      update ledger_chain set seq = ${seq.toString()}::bigint, hash = ${prev}
      where org_id = ${this.orgId} and (select count(*) from written) = ${e.length}`);
  }
}
