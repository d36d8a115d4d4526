import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { rows } from '../../db/client.js';

export interface OrgProof {
  orgId: string;
  entries: number;
  /** Σ over all accounts of their derived balances: must be 0 */
  entrySum: bigint;
  /** the lowest balance any block ever had after an entry, and the lowest it has now */
  lowestBlockBalance: bigint | null;
  mismatches: { account: string; cached: bigint; derived: bigint }[];
  ok: boolean;
}

/**
 * The proof of SPEC §3.13 items 1–2 for one organization: every account's
 * balance derived from the entries equals its cache, the derived balances sum
 * to zero, and no block is, or ever was, below zero.
 */
export async function proveOrg(q: Q, orgId: string): Promise<OrgProof> {
  const derived = await rows<{ account: string; balance: bigint; entries: bigint }>(
    q,
    sql`select account, sum(delta)::bigint as balance, count(*)::bigint as entries from (
          select to_account as account, amount as delta from ledger_entries where org_id = ${orgId}
          union all
          select from_account, -amount from ledger_entries where org_id = ${orgId}
        ) x group by account`,
  );
  const cachedBlocks = await rows<{ id: string; remaining: bigint }>(
    q,
    sql`select id, remaining from blocks where org_id = ${orgId}`,
  );
  const cachedAccounts = await rows<{ account: string; balance: bigint }>(
    q,
    sql`select account, balance from accounts where org_id = ${orgId}`,
  );
  const [lowest] = await rows<{ low: bigint | null }>(
    q,
    sql`select least((select min(block_balance_after) from ledger_entries where org_id = ${orgId}),
                     (select min(remaining) from blocks where org_id = ${orgId})) as low`,
  );
  const cached = new Map<string, bigint>();
  for (const b of cachedBlocks) cached.set(`block:${b.id}`, BigInt(b.remaining));
  for (const a of cachedAccounts) cached.set(a.account, BigInt(a.balance));
  const derivedMap = new Map(derived.map((d) => [d.account, BigInt(d.balance)]));
  const mismatches: OrgProof['mismatches'] = [];
  for (const account of new Set([...cached.keys(), ...derivedMap.keys()])) {
    const c = cached.get(account) ?? 0n;
    const d = derivedMap.get(account) ?? 0n;
    if (c !== d) mismatches.push({ account, cached: c, derived: d });
  }
  const entrySum = [...derivedMap.values()].reduce((a, b) => a + b, 0n);
  const entries = derived.reduce((n, d) => n + Number(d.entries), 0) / 2;
  const lowestBlockBalance = lowest?.low === null || lowest === undefined ? null : BigInt(lowest.low);
  return {
    orgId,
    entries,
    entrySum,
    lowestBlockBalance,
    mismatches,
    ok: entrySum === 0n && mismatches.length === 0 && (lowestBlockBalance === null || lowestBlockBalance >= 0n),
  };
}

export async function allOrgIds(q: Q): Promise<string[]> {
  return (await rows<{ id: string }>(q, sql`select id from orgs order by id`)).map((r) => r.id);
}
