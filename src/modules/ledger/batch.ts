import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';

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
 * balances and the account caches in three set-based statements. Every
 * change of credits in Tally goes through here.
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

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  async flush(tx: Q): Promise<void> {
    if (this.entries.length === 0) return;
    const e = this.entries;
    const recordedAt = this.recordedAt.toISOString();
    await tx.execute(sql`
      insert into ledger_entries (org_id, type, amount, from_account, to_account, block_id, block_balance_after,
        grant_id, occurred_at, recorded_at, event_id, ref, actor)
      select ${this.orgId}, t.type, t.amount, t.from_account, t.to_account, t.block_id, t.block_balance_after,
        t.grant_id, t.occurred_at, ${recordedAt}::timestamptz, t.event_id, t.ref, t.actor
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
        ${sql.param(e.map((x) => x.actor ?? null))}::text[]
      ) with ordinality as t(type, amount, from_account, to_account, block_id, block_balance_after,
        grant_id, occurred_at, event_id, ref, actor, n)
      order by t.n`);
    if (this.blockRemaining.size > 0) {
      const ids = [...this.blockRemaining.keys()];
      const remaining = ids.map((id) => this.blockRemaining.get(id)!.toString());
      await tx.execute(sql`
        update blocks b set remaining = u.remaining
        from unnest(${sql.param(ids)}::text[], ${sql.param(remaining)}::bigint[]) as u(id, remaining)
        where b.org_id = ${this.orgId} and b.id = u.id`);
    }
    const deltas = [...this.accountDeltas].filter(([, d]) => d !== 0n);
    if (deltas.length > 0) {
      await tx.execute(sql`
        insert into accounts (org_id, account, balance)
        select ${this.orgId}, u.account, u.delta
        from unnest(${sql.param(deltas.map(([a]) => a))}::text[], ${sql.param(deltas.map(([, d]) => d.toString()))}::bigint[])
          as u(account, delta)
        order by u.account
        on conflict (org_id, account) do update set balance = accounts.balance + excluded.balance`);
    }
  }
}
