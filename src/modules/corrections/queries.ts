import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bool, date, int, json, mapFirst, mapRows, text, textOf, type DbRow } from '../../db/rows.js';

export interface CorrectionRow {
  eventId: string;
  kind: 'void' | 'amend';
  actor: string;
  at: Date;
  before: Record<string, unknown>;
  after: Record<string, unknown> | null;
  period: string;
  originalDay: string;
  closed: boolean;
}

function toCorrectionRow(r: DbRow): CorrectionRow {
  return {
    eventId: text(r.eventId),
    kind: textOf<CorrectionRow['kind']>(r.kind),
    actor: text(r.actor),
    at: date(r.at),
    before: json<Record<string, unknown>>(r.before),
    after: json<Record<string, unknown> | null>(r.after),
    period: text(r.period),
    originalDay: text(r.originalDay),
    closed: bool(r.closed),
  };
}

/** The corrections of some events, oldest first. */
export async function findCorrections(q: Q, orgId: string, eventIds: string[]): Promise<CorrectionRow[]> {
  return mapRows(
    q,
    sql`select event_id as "eventId", kind, actor, at, before, after, period, original_day::text as "originalDay", closed
        from event_corrections where org_id = ${orgId} and event_id = any(${sql.param(eventIds)}::text[]) order by at, id`,
    toCorrectionRow,
  );
}

/** The timestamp an event had when it was first ingested: its first correction's `before`, if it has one. */
export async function findIngestedTimestamp(q: Q, orgId: string, eventId: string): Promise<Date | undefined> {
  return mapFirst(
    q,
    sql`select before from event_corrections where org_id = ${orgId} and event_id = ${eventId} order by at, id limit 1`,
    (r) => date(json<{ timestamp: string }>(r.before).timestamp),
  );
}

/** A correction's rollup delta per meter and resource class, as the invoice takes it out of the meter lines. */
export interface CorrectionPart {
  meter: string;
  resourceClass: string;
  events: number;
  quantity: bigint;
  usd: bigint;
}

/** A correction as written: what is read back (CorrectionRow) and its id and deltas. */
export interface NewCorrection extends CorrectionRow {
  id: string;
  creditsDelta: bigint;
  usdDelta: bigint;
  parts: CorrectionPart[];
}

export async function insertCorrection(tx: Q, orgId: string, c: NewCorrection): Promise<void> {
  const parts = c.parts.map((p) => ({
    meter: p.meter,
    resource_class: p.resourceClass,
    events: p.events,
    quantity: p.quantity.toString(),
    usd: p.usd.toString(),
  }));
  await tx.execute(sql`
    insert into event_corrections (org_id, id, event_id, kind, actor, at, before, after, period, original_day, closed,
      credits_delta, usd_delta, parts)
    values (${orgId}, ${c.id}, ${c.eventId}, ${c.kind}, ${c.actor}, ${c.at.toISOString()}::timestamptz,
      ${JSON.stringify(c.before)}::jsonb, ${c.after === null ? null : JSON.stringify(c.after)}::jsonb,
      ${c.period}, ${c.originalDay}::date, ${c.closed},
      ${c.creditsDelta.toString()}::bigint, ${c.usdDelta.toString()}::bigint, ${JSON.stringify(parts)}::jsonb)`);
}

export type ClosedPeriodCorrection = Pick<NewCorrection, 'eventId' | 'kind' | 'originalDay' | 'creditsDelta' | 'usdDelta' | 'parts'>;

/** Corrections booked in `period` of usage from closed periods, oldest first. */
export async function findClosedPeriodCorrections(q: Q, orgId: string, period: string): Promise<ClosedPeriodCorrection[]> {
  return mapRows(
    q,
    sql`select event_id as "eventId", kind, original_day::text as "originalDay", credits_delta as "creditsDelta", usd_delta as "usdDelta", parts
        from event_corrections where org_id = ${orgId} and period = ${period} and closed order by at, id`,
    (r) => ({
      eventId: text(r.eventId),
      kind: textOf<ClosedPeriodCorrection['kind']>(r.kind),
      originalDay: text(r.originalDay),
      creditsDelta: big(r.creditsDelta),
      usdDelta: big(r.usdDelta),
      parts: json<{ meter: string; resource_class: string; events: number; quantity: string; usd: string }[]>(r.parts).map((p) => ({
        meter: p.meter,
        resourceClass: p.resource_class,
        events: int(p.events),
        quantity: big(p.quantity),
        usd: big(p.usd),
      })),
    }),
  );
}
