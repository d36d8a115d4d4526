import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bool, date, dateOrNull, int, json, mapFirst, mapRows, text, textOrNull, type DbRow } from '../../db/rows.js';
import { normalizeAppliesTo, type AppliesTo } from '../../domain/appliesTo.js';
import type { DrawBlock } from '../../domain/drawdown.js';

export interface EventEntry {
  id: bigint;
  amount: bigint;
  from: string;
  to: string;
  blockId: string | null;
  occurredAt: Date;
}

/** The ledger entries of one event (its usage and any reversals), in the order they were written. */
export async function findEventEntries(q: Q, orgId: string, eventId: string): Promise<EventEntry[]> {
  return mapRows(
    q,
    sql`select id, amount, from_account as "from", to_account as "to", block_id as "blockId", occurred_at as "occurredAt"
        from ledger_entries where org_id = ${orgId} and event_id = ${eventId} order by id`,
    (r) => ({
      id: big(r.id),
      amount: big(r.amount),
      from: text(r.from),
      to: text(r.to),
      blockId: textOrNull(r.blockId),
      occurredAt: date(r.occurredAt),
    }),
  );
}

/** Blocks that repaid overage and still have repayments not returned, newest repayment first, with what is net repaid. */
export async function findOverageRepayers(q: Q, orgId: string): Promise<{ blockId: string; net: bigint }[]> {
  return mapRows(
    q,
    sql`select block_id as "blockId", sum(case when to_account = 'overage' then amount else -amount end)::bigint as net
        from ledger_entries
        where org_id = ${orgId} and block_id is not null
          and ((to_account = 'overage' and ref = 'overage_repayment') or (from_account = 'overage' and ref = 'overage_returned'))
        group by block_id having sum(case when to_account = 'overage' then amount else -amount end) > 0
        order by max(id) desc`,
    (r) => ({ blockId: text(r.blockId), net: big(r.net) }),
  );
}

export interface BlockStanding {
  id: string;
  grantId: string;
  remaining: bigint;
  /** expiry booked, or past its `expires_at` */
  expired: boolean;
  /** its grant is voided */
  voided: boolean;
}

/** Whether some blocks can still pay: expired or voided, and their credit left. */
export async function findBlockStandings(q: Q, orgId: string, ids: string[], now: Date): Promise<BlockStanding[]> {
  return mapRows(
    q,
    sql`select b.id, b.grant_id as "grantId", b.remaining,
          (b.expiry_booked_at is not null or (b.expires_at is not null and b.expires_at <= ${now.toISOString()}::timestamptz)) as expired,
          (g.voided_at is not null) as voided
        from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
        where b.org_id = ${orgId} and b.id = any(${sql.param(ids)}::text[])`,
    (r) => ({ id: text(r.id), grantId: text(r.grantId), remaining: big(r.remaining), expired: bool(r.expired), voided: bool(r.voided) }),
  );
}

/**
 * Organizations that owe overage and hold a started, unexpired block with
 * credit (paid for, not voided): the block-start job's candidates, by id.
 */
export async function findOrgsToRepayOverage(q: Q, now: Date): Promise<string[]> {
  const t = now.toISOString();
  return mapRows(
    q,
    sql`select a.org_id as "orgId" from accounts a
        where a.account = 'overage' and a.balance < 0 and exists (
          select 1 from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
          where b.org_id = a.org_id and b.remaining > 0 and b.starts_at <= ${t}::timestamptz
            and (b.expires_at is null or b.expires_at > ${t}::timestamptz) and b.expiry_booked_at is null
            and g.voided_at is null and not g.pending_payment)
        order by a.org_id`,
    (r) => text(r.orgId),
  );
}

/** A block past its `expires_at` whose expiry entry is not written yet. */
export interface DueExpiry {
  id: string;
  grantId: string;
  remaining: bigint;
  expiresAt: Date;
}

export async function findDueExpiries(q: Q, orgId: string, now: Date): Promise<DueExpiry[]> {
  return mapRows(
    q,
    sql`select id, grant_id as "grantId", remaining, expires_at as "expiresAt" from blocks
        where org_id = ${orgId} and expiry_booked_at is null and expires_at <= ${now.toISOString()}::timestamptz
        order by seq`,
    (r) => ({ id: text(r.id), grantId: text(r.grantId), remaining: big(r.remaining), expiresAt: date(r.expiresAt) }),
  );
}

/** Marks the blocks' expiry booked, each expiring what it had left: one statement. */
export async function markExpiriesBooked(tx: Q, orgId: string, due: DueExpiry[], now: Date): Promise<void> {
  await tx.execute(sql`
    update blocks set expiry_booked_at = ${now.toISOString()}::timestamptz,
      expired_amount = expired_amount + remaining_before.amount
    from (select id, remaining as amount from unnest(${sql.param(due.map((b) => b.id))}::text[],
          ${sql.param(due.map((b) => b.remaining.toString()))}::bigint[]) as u(id, remaining)) as remaining_before
    where blocks.org_id = ${orgId} and blocks.id = remaining_before.id`);
}

/** Organizations that have blocks waiting for their expiry entry. */
export async function findOrgsWithDueExpiries(q: Q, now: Date): Promise<string[]> {
  return mapRows(
    q,
    sql`select distinct org_id as "orgId" from blocks where expiry_booked_at is null and expires_at <= ${now.toISOString()}::timestamptz`,
    (r) => text(r.orgId),
  );
}

export interface SpendableBlock extends DrawBlock {
  source: string;
  /** the grant's scope (SPEC §3.16): null pays for everything */
  appliesTo: AppliesTo | null;
}

/** One organization's `overage` balance beside one of its spendable blocks (null when it has none). */
export interface UsageSourceRow {
  orgId: string;
  overage: bigint;
  block: SpendableBlock | null;
}

function toUsageSourceRow(r: DbRow): UsageSourceRow {
  return {
    orgId: text(r.orgId),
    overage: big(r.overage),
    block:
      r.id === null
        ? null
        : {
            id: text(r.id),
            grantId: text(r.grantId),
            priority: int(r.priority),
            startsAt: date(r.startsAt),
            expiresAt: dateOrNull(r.expiresAt),
            seq: big(r.seq),
            remaining: big(r.remaining),
            source: text(r.source),
            appliesTo: normalizeAppliesTo(json<AppliesTo | null>(r.appliesTo)),
          },
  };
}

/**
 * Blocks that may still pay usage in several organizations, in ONE read
 * (issue 10): started, credit left, not voided, paid for, and not yet swept
 * by an expiry entry; each organization's rows carry its `overage` balance.
 */
export async function findUsageSources(tx: Q, orgIds: string[], now: Date): Promise<UsageSourceRow[]> {
  return mapRows(
    tx,
    sql`select o.org_id as "orgId", coalesce(a.balance, 0) as overage, s.*
        from unnest(${sql.param(orgIds)}::text[]) as o(org_id)
        left join accounts a on a.org_id = o.org_id and a.account = 'overage'
        left join lateral (
          select b.id, b.grant_id as "grantId", g.priority, b.starts_at as "startsAt", b.expires_at as "expiresAt",
            b.seq, b.remaining, g.source, g.applies_to as "appliesTo"
          from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
          where b.org_id = o.org_id and b.remaining > 0 and b.starts_at <= ${now.toISOString()}::timestamptz
            and b.expiry_booked_at is null and g.voided_at is null and not g.pending_payment
        ) s on true`,
    toUsageSourceRow,
  );
}

/** An account's cached balance; 0 for an account that has none yet. */
export async function accountBalance(tx: Q, orgId: string, account: string): Promise<bigint> {
  const balance = await mapFirst(tx, sql`select balance from accounts where org_id = ${orgId} and account = ${account}`, (r) => big(r.balance));
  return balance ?? 0n;
}
