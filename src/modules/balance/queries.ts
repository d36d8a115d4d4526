import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bool, date, dateOrNull, mapRows, text, textOf, type DbRow } from '../../db/rows.js';
import type { BlockState } from '../../domain/balance.js';

/**
 * The balance is a reading of the ledger's tables (blocks, grants, accounts,
 * ledger_entries, and open holds for what lapsed): each read below is one
 * statement joining them, so none is split across modules.
 */

const BLOCK_COLUMNS = sql`b.id, b.grant_id as "grantId", g.source, b.amount, b.starts_at as "startsAt",
  b.expires_at as "expiresAt", g.pending_payment as "pendingPayment", g.voided_at as "voidedAt"`;

/** A block's state as SQL (or the real-time path's JSON) returns it, before its mapper. */
export type RawBlock = Omit<BlockState, 'amount' | 'balance' | 'used'> & { amount: bigint; balance: bigint; used: bigint };

export function toBlockState(r: DbRow): BlockState {
  return {
    id: text(r.id),
    grantId: text(r.grantId),
    source: textOf<BlockState['source']>(r.source),
    amount: big(r.amount),
    balance: big(r.balance),
    used: big(r.used),
    startsAt: date(r.startsAt),
    expiresAt: dateOrNull(r.expiresAt),
    pendingPayment: bool(r.pendingPayment),
    voidedAt: dateOrNull(r.voidedAt),
  };
}

/** Every block of the organization with its cached balance. */
export async function findBlocksNow(q: Q, orgId: string): Promise<BlockState[]> {
  return mapRows(
    q,
    sql`select ${BLOCK_COLUMNS}, b.remaining as balance, b.amount - b.remaining - b.expired_amount as used
        from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id where b.org_id = ${orgId}`,
    toBlockState,
  );
}

/** Every block of a grant made by `at`, with its balance and usage replayed from its entries up to `at`. */
export async function findBlocksAt(q: Q, orgId: string, at: Date): Promise<BlockState[]> {
  const t = at.toISOString();
  return mapRows(
    q,
    sql`select ${BLOCK_COLUMNS},
          coalesce(sum(case when e.to_account = 'block:' || b.id then e.amount else -e.amount end), 0)::bigint as balance,
          coalesce(sum(e.amount) filter (where e.type = 'usage' and e.from_account = 'block:' || b.id), 0)::bigint as used
        from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
        left join ledger_entries e on e.org_id = b.org_id and e.block_id = b.id and e.occurred_at <= ${t}::timestamptz
        where b.org_id = ${orgId} and g.created_at <= ${t}::timestamptz
        group by b.id, b.grant_id, g.source, b.amount, b.starts_at, b.expires_at, g.pending_payment, g.voided_at`,
    toBlockState,
  );
}

const toAccount = (r: DbRow): [string, bigint] => [text(r.account), big(r.balance)];

/**
 * The cached `held` and `overage` balances and, as `lapsed`, what open holds
 * past their expiry still reserve: one round trip.
 */
export async function findAccountsNow(q: Q, orgId: string, now: Date): Promise<{ accounts: Map<string, bigint>; lapsed: bigint }> {
  const found = await mapRows(
    q,
    sql`select account, balance from accounts where org_id = ${orgId} and account in ('held', 'overage')
        union all
        select 'lapsed', coalesce(sum(amount), 0)::bigint from holds
          where org_id = ${orgId} and status = 'open' and expires_at <= ${now.toISOString()}::timestamptz`,
    toAccount,
  );
  return { accounts: new Map(found.filter(([a]) => a !== 'lapsed')), lapsed: found.find(([a]) => a === 'lapsed')?.[1] ?? 0n };
}

/** The `held` and `overage` balances at `at`, summed from the ledger. */
export async function findAccountsAt(q: Q, orgId: string, at: Date): Promise<Map<string, bigint>> {
  const found = await mapRows(
    q,
    sql`select account, sum(amount)::bigint as balance from (
          select to_account as account, amount from ledger_entries
            where org_id = ${orgId} and occurred_at <= ${at.toISOString()}::timestamptz and to_account in ('held', 'overage')
          union all
          select from_account, -amount from ledger_entries
            where org_id = ${orgId} and occurred_at <= ${at.toISOString()}::timestamptz and from_account in ('held', 'overage')
        ) x group by account`,
    toAccount,
  );
  return new Map(found);
}
