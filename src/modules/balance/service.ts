import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows, type Q } from '../../db/client.js';
import { formatMicro } from '../../domain/money.js';
import { summarizeBalance, type BalanceSummary, type BlockState } from '../../domain/balance.js';
import { requireOrg } from '../orgs/index.js';
import { grantScopes, scopedAvailable } from './scoped.js';

/**
 * The balances of SPEC §3.4. "Now" reads the cached block balances; a past
 * instant replays each block's entries up to it, so `?at=` answers what the
 * ledger said then (with late entries that were booked back into it).
 */
export async function getBalance({ ctx, orgId, at }: { ctx: AppContext; orgId: string; at?: Date | undefined }) {
  const now = ctx.clock.now();
  const asOf = at && at < now ? at : now;
  return ctx.db.read(async (q) => {
    await requireOrg(q, orgId);
    const blocks = asOf === now ? null : await blocksAt(q, orgId, asOf);
    const current = blocks === null ? await balanceNow(q, orgId, now) : null;
    const s = current ? current.summary : summarizeBalance(blocks!, await accountsAt(q, orgId, asOf), asOf);
    const scoped = scopedAvailable(current ? current.blocks : blocks!, await grantScopes(q, orgId), asOf);
    return {
      available: formatMicro(s.available),
      included: formatMicro(s.bySource.included),
      purchased: formatMicro(s.bySource.purchased),
      promotional: formatMicro(s.bySource.promotional),
      adjustment: formatMicro(s.bySource.adjustment),
      pending: formatMicro(s.pending),
      held: formatMicro(s.held),
      spent: formatMicro(s.spent),
      total_granted: formatMicro(s.totalGranted),
      overage: formatMicro(s.overage),
      scoped,
      as_of: asOf.toISOString(),
    };
  });
}

/**
 * The balances at `now` from the cached block balances, in the caller's
 * transaction or outside one. Holds past their expiry no longer count as held,
 * whether or not the job has released them yet. Every reader of "available
 * now" (this endpoint, low-credit alerts, auto-recharge) goes through here.
 */
export async function balanceNow(q: Q, orgId: string, now: Date): Promise<{ summary: BalanceSummary; blocks: BlockState[] }> {
  // one after another: q may be a transaction, one connection that runs one statement at a time
  const blocks = await blocksNow(q, orgId);
  const accounts = await accountsNow(q, orgId, now);
  return { summary: summarizeBalance(blocks, accounts, now), blocks };
}

/**
 * The cached `held` and `overage` balances, `held` less what open holds past
 * their expiry still reserve until the job releases them: one round trip.
 */
async function accountsNow(q: Q, orgId: string, now: Date): Promise<Map<string, bigint>> {
  const found = await rows<{ account: string; balance: bigint }>(
    q,
    sql`select account, balance from accounts where org_id = ${orgId} and account in ('held', 'overage')
        union all
        select 'lapsed', coalesce(sum(amount), 0)::bigint from holds
          where org_id = ${orgId} and status = 'open' and expires_at <= ${now.toISOString()}::timestamptz`,
  );
  const accounts = new Map(found.filter((r) => r.account !== 'lapsed').map((r) => [r.account, BigInt(r.balance)]));
  return heldLessLapsed(accounts, BigInt(found.find((r) => r.account === 'lapsed')?.balance ?? 0n));
}

/**
 * The `held` account less what open holds past their expiry still reserve
 * (`lapsed`): what "held now" means, for this module and for the real-time
 * path's one-statement read (realtime/figures.ts).
 */
export function heldLessLapsed(accounts: Map<string, bigint>, lapsed: bigint): Map<string, bigint> {
  if (lapsed > 0n) accounts.set('held', (accounts.get('held') ?? 0n) - lapsed);
  return accounts;
}

const BLOCK_COLUMNS = sql`b.id, b.grant_id as "grantId", g.source, b.amount, b.starts_at as "startsAt",
  b.expires_at as "expiresAt", g.pending_payment as "pendingPayment", g.voided_at as "voidedAt"`;

export type RawBlock = Omit<BlockState, 'amount' | 'balance' | 'used'> & { amount: bigint; balance: bigint; used: bigint };

export function toState(rowsIn: RawBlock[]): BlockState[] {
  return rowsIn.map((b) => ({
    ...b,
    amount: BigInt(b.amount),
    balance: BigInt(b.balance),
    used: BigInt(b.used),
    startsAt: new Date(b.startsAt),
    expiresAt: b.expiresAt === null ? null : new Date(b.expiresAt),
    voidedAt: b.voidedAt === null ? null : new Date(b.voidedAt),
  }));
}

async function blocksNow(q: Q, orgId: string): Promise<BlockState[]> {
  return toState(
    await rows<RawBlock>(
      q,
      sql`select ${BLOCK_COLUMNS}, b.remaining as balance, b.amount - b.remaining - b.expired_amount as used
          from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id where b.org_id = ${orgId}`,
    ),
  );
}

async function blocksAt(q: Q, orgId: string, at: Date): Promise<BlockState[]> {
  const t = at.toISOString();
  return toState(
    await rows<RawBlock>(
      q,
      sql`select ${BLOCK_COLUMNS},
            coalesce(sum(case when e.to_account = 'block:' || b.id then e.amount else -e.amount end), 0)::bigint as balance,
            coalesce(sum(e.amount) filter (where e.type = 'usage' and e.from_account = 'block:' || b.id), 0)::bigint as used
          from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
          left join ledger_entries e on e.org_id = b.org_id and e.block_id = b.id and e.occurred_at <= ${t}::timestamptz
          where b.org_id = ${orgId} and g.created_at <= ${t}::timestamptz
          group by b.id, b.grant_id, g.source, b.amount, b.starts_at, b.expires_at, g.pending_payment, g.voided_at`,
    ),
  );
}

async function accountsAt(q: Q, orgId: string, at: Date | null): Promise<Map<string, bigint>> {
  const found = at
    ? await rows<{ account: string; balance: bigint }>(
        q,
        sql`select account, sum(amount)::bigint as balance from (
              select to_account as account, amount from ledger_entries
                where org_id = ${orgId} and occurred_at <= ${at.toISOString()}::timestamptz and to_account in ('held', 'overage')
              union all
              select from_account, -amount from ledger_entries
                where org_id = ${orgId} and occurred_at <= ${at.toISOString()}::timestamptz and from_account in ('held', 'overage')
            ) x group by account`,
      )
    : await rows<{ account: string; balance: bigint }>(q, sql`select account, balance from accounts where org_id = ${orgId}`);
  return new Map(found.map((r) => [r.account, BigInt(r.balance)]));
}
