import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bigOrNull, bool, date, dateOrNull, int, json, mapRows, text, textOf, textOrNull, type DbRow } from '../../db/rows.js';
import type { AppliesTo } from '../../domain/appliesTo.js';

export interface GrantRow {
  id: string;
  name: string;
  source: 'included' | 'purchased' | 'promotional' | 'adjustment';
  priority: number;
  metadata: Record<string, unknown>;
  appliesTo: AppliesTo | null;
  pendingPayment: boolean;
  voidedAt: Date | null;
  createdAt: Date;
}

export function toGrantRow(r: DbRow): GrantRow {
  return {
    id: text(r.id),
    name: text(r.name),
    source: textOf<GrantRow['source']>(r.source),
    priority: int(r.priority),
    metadata: json<Record<string, unknown>>(r.metadata),
    appliesTo: json<AppliesTo | null>(r.appliesTo),
    pendingPayment: bool(r.pendingPayment),
    voidedAt: dateOrNull(r.voidedAt),
    createdAt: date(r.createdAt),
  };
}

export interface BlockRow {
  id: string;
  grantId: string;
  seq: bigint;
  amount: bigint;
  remaining: bigint;
  startsAt: Date;
  expiresAt: Date | null;
  expiryBookedAt: Date | null;
  expiredAmount: bigint;
}

export function toBlockRow(r: DbRow): BlockRow {
  return {
    id: text(r.id),
    grantId: text(r.grantId),
    seq: big(r.seq),
    amount: big(r.amount),
    remaining: big(r.remaining),
    startsAt: date(r.startsAt),
    expiresAt: dateOrNull(r.expiresAt),
    expiryBookedAt: dateOrNull(r.expiryBookedAt),
    expiredAmount: big(r.expiredAmount),
  };
}

export async function findGrants(q: Q, orgId: string, grantIds?: string[]): Promise<GrantRow[]> {
  const filter = grantIds ? sql`and id = any(${sql.param(grantIds)}::text[])` : sql``;
  return mapRows(
    q,
    sql`select id, name, source, priority, metadata, applies_to as "appliesTo", pending_payment as "pendingPayment", voided_at as "voidedAt",
          created_at as "createdAt"
        from grants where org_id = ${orgId} ${filter} order by id desc`,
    toGrantRow,
  );
}

export async function findBlocks(q: Q, orgId: string, grantIds?: string[]): Promise<BlockRow[]> {
  const filter = grantIds ? sql`and grant_id = any(${sql.param(grantIds)}::text[])` : sql``;
  return mapRows(
    q,
    sql`select id, grant_id as "grantId", seq, amount, remaining, starts_at as "startsAt", expires_at as "expiresAt",
          expiry_booked_at as "expiryBookedAt", expired_amount as "expiredAmount"
        from blocks where org_id = ${orgId} ${filter} order by seq`,
    toBlockRow,
  );
}

export interface LedgerRow {
  id: bigint;
  type: string;
  amount: bigint;
  fromAccount: string;
  toAccount: string;
  blockId: string | null;
  blockBalanceAfter: bigint | null;
  occurredAt: Date;
  recordedAt: Date;
  eventId: string | null;
  ref: string | null;
  actor: string | null;
}

export function toLedgerRow(r: DbRow): LedgerRow {
  return {
    id: big(r.id),
    type: text(r.type),
    amount: big(r.amount),
    fromAccount: text(r.fromAccount),
    toAccount: text(r.toAccount),
    blockId: textOrNull(r.blockId),
    blockBalanceAfter: bigOrNull(r.blockBalanceAfter),
    occurredAt: date(r.occurredAt),
    recordedAt: date(r.recordedAt),
    eventId: textOrNull(r.eventId),
    ref: textOrNull(r.ref),
    actor: textOrNull(r.actor),
  };
}

export async function findGrantLedger(
  q: Q,
  orgId: string,
  grantId: string,
  afterId: bigint | undefined,
  limit: number,
  day?: { date: string; zone: string },
): Promise<LedgerRow[]> {
  const after = afterId === undefined ? sql`` : sql`and id > ${afterId.toString()}::bigint`;
  const onDay = day === undefined ? sql`` : sql`and (occurred_at at time zone ${day.zone})::date = ${day.date}::date`;
  return mapRows(
    q,
    sql`select id, type, amount, from_account as "fromAccount", to_account as "toAccount", block_id as "blockId",
          block_balance_after as "blockBalanceAfter", occurred_at as "occurredAt", recorded_at as "recordedAt",
          event_id as "eventId", ref, actor
        from ledger_entries where org_id = ${orgId} and grant_id = ${grantId} ${after} ${onDay}
        order by id limit ${limit}`,
    toLedgerRow,
  );
}

export interface LedgerGroupRow {
  kind: 'grant' | 'usage' | 'expiry' | 'void';
  day: string;
  blockId: string | null;
  amount: bigint;
  last: Date;
  entries: number;
}

export function toLedgerGroupRow(r: DbRow): LedgerGroupRow {
  return {
    kind: textOf<LedgerGroupRow['kind']>(r.kind),
    day: text(r.day),
    blockId: textOrNull(r.blockId),
    amount: big(r.amount),
    last: date(r.last),
    entries: int(r.entries),
  };
}

/**
 * A grant's ledger folded for reading: each grant entry alone, and per local
 * day the usage (draw-downs, holds and their releases), expiries and voids,
 * signed from the grant's side. A grant holds thousands of usage entries; a
 * reader wants one line per day.
 */
export async function groupGrantLedger(q: Q, orgId: string, grantId: string, zone: string): Promise<LedgerGroupRow[]> {
  return mapRows(
    q,
    sql`select case when type in ('grant', 'adjustment') then 'grant' when type = 'expiry' then 'expiry'
                    when type = 'void' then 'void' else 'usage' end as kind,
          (occurred_at at time zone ${zone})::date::text as day,
          case when type in ('grant', 'adjustment') then block_id else null end as "blockId",
          sum(case when to_account like 'block:%' then amount else -amount end)::bigint as amount,
          max(occurred_at) as last, count(*)::bigint as entries
        from ledger_entries where org_id = ${orgId} and grant_id = ${grantId}
        group by 1, 2, 3, case when type in ('grant', 'adjustment') then id else 0 end
        order by max(id)`,
    toLedgerGroupRow,
  );
}

/** A grant's row as booked (never voided yet): its blocks are inserted beside it. */
export type NewGrant = Omit<GrantRow, 'voidedAt'>;

export async function insertGrantRow(tx: Q, orgId: string, g: NewGrant): Promise<void> {
  await tx.execute(sql`insert into grants (org_id, id, name, source, priority, metadata, applies_to, pending_payment, created_at)
    values (${orgId}, ${g.id}, ${g.name}, ${g.source}, ${g.priority}, ${JSON.stringify(g.metadata)}::jsonb,
      ${g.appliesTo === null ? null : JSON.stringify(g.appliesTo)}::jsonb, ${g.pendingPayment}, ${g.createdAt.toISOString()}::timestamptz)`);
}

/** A new block: nothing booked on it yet (seq is given by the table, in the order of `blocks`). */
export type NewBlock = Pick<BlockRow, 'id' | 'grantId' | 'amount' | 'remaining' | 'startsAt' | 'expiresAt'>;

export async function insertBlocks(tx: Q, orgId: string, blocks: NewBlock[]): Promise<void> {
  if (blocks.length === 0) return;
  const values = blocks.map(
    (b) => sql`(${orgId}, ${b.id}, ${b.grantId}, ${b.amount.toString()}::bigint, ${b.remaining.toString()}::bigint,
      ${b.startsAt.toISOString()}::timestamptz, ${b.expiresAt === null ? null : b.expiresAt.toISOString()}::timestamptz)`,
  );
  await tx.execute(sql`insert into blocks (org_id, id, grant_id, amount, remaining, starts_at, expires_at)
    values ${sql.join(values, sql`, `)}`);
}

/** A purchased grant's payment arrived: it no longer waits for it. */
export async function markGrantPaid(tx: Q, orgId: string, grantId: string): Promise<void> {
  await tx.execute(sql`update grants set pending_payment = false where org_id = ${orgId} and id = ${grantId}`);
}

/** A voided grant: never spendable again, and no longer waiting for payment. */
export async function markGrantVoided(tx: Q, orgId: string, grantId: string, now: Date): Promise<void> {
  await tx.execute(sql`update grants set voided_at = ${now.toISOString()}::timestamptz, pending_payment = false
    where org_id = ${orgId} and id = ${grantId}`);
}

/** The scope (applies_to) of each grant that has one, as stored. */
export async function findGrantScopes(q: Q, orgId: string): Promise<{ id: string; appliesTo: AppliesTo | null }[]> {
  return mapRows(q, sql`select id, applies_to as "appliesTo" from grants where org_id = ${orgId} and applies_to is not null`, (r) => ({
    id: text(r.id),
    appliesTo: json<AppliesTo | null>(r.appliesTo),
  }));
}

/** A block's expiry is booked: `forfeited` is what expired of it (the rest was moved by the caller's entries). */
export async function markExpiryBooked(tx: Q, orgId: string, blockId: string, forfeited: bigint, now: Date): Promise<void> {
  await tx.execute(sql`update blocks set expiry_booked_at = ${now.toISOString()}::timestamptz,
      expired_amount = expired_amount + ${forfeited.toString()}::bigint
    where org_id = ${orgId} and id = ${blockId}`);
}

/** The grant's metadata names the grant its unused credit rolled over into. */
export async function noteRolledOverInto(tx: Q, orgId: string, grantId: string, rolloverGrantId: string): Promise<void> {
  await tx.execute(sql`update grants set metadata = metadata || jsonb_build_object('rolled_over_into', ${rolloverGrantId}::text)
    where org_id = ${orgId} and id = ${grantId}`);
}
