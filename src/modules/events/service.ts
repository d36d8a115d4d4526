import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows, type Q } from '../../db/client.js';
import { formatMicro, MAX_AMOUNT_MICRO } from '../../domain/money.js';
import { rate } from '../../domain/rating.js';
import { bookingAt, DAY_MS } from '../../domain/time.js';
import type { Actor } from '../../actor.js';
import { organizationNotFound as orgNotFound, TallyError, type ErrorCode } from '../../errors.js';
import { LedgerBatch } from '../ledger/batch.js';
import { blocksForUsage, bookUsage } from '../ledger/usage.js';
import { runBalanceChanged, runUsageRecorded } from '../ledger/hooks.js';
import { lockOrg, lockOrgs, type OrgRow } from '../orgs/index.js';
import { orgConfig } from '../realtime/config.js';
import { GroupCommit } from '../realtime/groupCommit.js';
import { limitsAfterGroup } from '../realtime/limits.js';
import type { LimitsFor, TightestLimit } from '../caps/headers.js';
import { correctedEventView, correctionsOf } from '../corrections/service.js';
import { EVENT_COLUMNS, type EventRow } from './view.js';
import { addToRollups, type RatedEvent } from './rollups.js';

export interface EventInput {
  id: string;
  org: string;
  meter: string;
  quantity: bigint;
  timestamp: Date;
  user?: string | undefined;
  project?: string | undefined;
  resource_class?: string | undefined;
  job_id?: string | undefined;
  job_name?: string | undefined;
  properties?: Record<string, unknown> | undefined;
  /** the API key that reported the event: an organization key is itself, the platform key may name one */
  api_key?: string | undefined;
}

export type EventResult =
  | { id: string; status: 'accepted'; cost_credits: string }
  | { id: string; status: 'duplicate' }
  | { id: string; status: 'rejected'; error: { code: ErrorCode; message: string } };

export interface IngestSummary {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: EventResult[];
  /** for a single event, when asked: the tightest limit left for whoever reported it (SPEC §3.16 headers) */
  limits?: TightestLimit | null | undefined;
}

/** Events may be a little ahead of our clock (clock skew), never more. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

const reject = (id: string, code: ErrorCode, message: string): EventResult => ({
  id,
  status: 'rejected',
  error: { code, message },
});

const unknownOrg = (id: string, orgId: string): EventResult => reject(id, 'organization_not_found', orgNotFound(orgId).message);

/**
 * Batch ingest (SPEC §3.5). One transaction per request (or per group of
 * small requests of one organization): lock the organizations, then for each
 * find ids already seen, rate and draw down in memory, and write events,
 * ledger entries, block balances and rollups set-based.
 * Facts are never refused for lack of credit: what no block pays is overage.
 */
export async function ingestEvents({ ctx, actor, events, withLimits = false }: { ctx: AppContext; actor: Actor; events: EventInput[]; withLimits?: boolean }) {
  const results: EventResult[] = new Array(events.length);
  let limits: TightestLimit | null | undefined;
  const byOrg = new Map<string, number[]>();
  events.forEach((e, i) => {
    if (actor.kind === 'key' && actor.orgId !== e.org) {
      results[i] = unknownOrg(e.id, e.org);
      return;
    }
    // An organization key reports as itself, whatever the body says (SPEC §3.16).
    if (actor.kind === 'key') events[i] = { ...e, api_key: actor.keyId };
    const list = byOrg.get(e.org);
    if (list) list.push(i);
    else byOrg.set(e.org, [i]);
  });
  // A small batch of one organization joins that organization's group commit.
  // Anything else is one transaction: every organization locked at once, in id
  // order, then each one's events ingested. An unknown organization is found by
  // the lock itself (no extra round trip per batch).
  const orgIds = [...byOrg.keys()].sort();
  const eventsOf = (orgId: string) => byOrg.get(orgId)!.map((i) => events[i]!);
  const answers = new Map<string, IngestAnswer>();
  if (orgIds.length === 1 && events.length <= GROUP_BATCH_MAX) {
    const orgId = orgIds[0]!;
    const batch = eventsOf(orgId);
    const only = batch.length === 1 ? batch[0]! : undefined;
    const limitsFor = withLimits && only ? { memberId: only.user ?? null, subject: { project: only.project ?? null, apiKeyId: only.api_key ?? null, meter: only.meter } } : undefined;
    const answer = await groupsOf(ctx)
      .submit(orgId, { events: batch, actor: actor.label, limitsFor })
      .catch((error: unknown): IngestAnswer => {
        if (!(error instanceof TallyError) || error.code !== 'organization_not_found') throw error;
        return { results: batch.map((e) => unknownOrg(e.id, orgId)) };
      });
    answers.set(orgId, answer);
    limits = answer.limits;
  } else if (orgIds.length > 0) {
    await ctx.db.transaction(async (tx) => {
      answers.clear(); // a retried transaction starts over
      const now = ctx.clock.now();
      const locked = await lockOrgs(tx, orgIds);
      for (const orgId of orgIds) {
        const batch = eventsOf(orgId);
        const org = locked.get(orgId);
        const results = org
          ? await ingestLocked(ctx, tx, now, org, batch.map((e) => ({ e, actor: actor.label })))
          : batch.map((e) => unknownOrg(e.id, orgId));
        answers.set(orgId, { results });
      }
    });
  }
  for (const orgId of orgIds) byOrg.get(orgId)!.forEach((i, n) => (results[i] = answers.get(orgId)!.results[n]!));
  const summary: IngestSummary = { accepted: 0, duplicates: 0, rejected: 0, results, limits };
  for (const r of results) {
    if (r.status === 'accepted') summary.accepted++;
    else if (r.status === 'duplicate') summary.duplicates++;
    else summary.rejected++;
  }
  if (summary.accepted === 0 && summary.duplicates === 0 && summary.rejected > 0) {
    // Nothing in the batch could be taken: answer with a 4xx, naming the reason.
    const codes = new Set(results.map((r) => (r.status === 'rejected' ? r.error.code : null)));
    const first = results.find((r) => r.status === 'rejected') as Extract<EventResult, { status: 'rejected' }>;
    const code: ErrorCode = codes.size === 1 ? first.error.code : 'events_rejected';
    const message =
      codes.size === 1 && results.length === 1
        ? first.error.message
        : `No event was accepted: ${first.error.message}${results.length > 1 ? ' (see details.results for each event)' : ''}`;
    throw new TallyError(code, message, { results });
  }
  return summary;
}

/** Batches up to this many events join their organization's group commit; larger ones run alone. */
const GROUP_BATCH_MAX = 100;
/** At most this many calls share one transaction. */
const GROUP_CALLS_MAX = 64;

interface IngestCall {
  events: EventInput[];
  actor: string;
  /** whom the response's limit headers are for (single-event calls that ask) */
  limitsFor?: LimitsFor | undefined;
}

interface IngestAnswer {
  results: EventResult[];
  limits?: TightestLimit | null | undefined;
}

const groups = new WeakMap<AppContext, GroupCommit<IngestCall, IngestAnswer>>();

/**
 * The ingest group commit of one app: the calls of a group are ingested as
 * one batch, in arrival order (a repeat of an id accepted earlier in the
 * group is a duplicate, as it would be one call later), and each call gets
 * back the results of its own events.
 */
function groupsOf(ctx: AppContext): GroupCommit<IngestCall, IngestAnswer> {
  let g = groups.get(ctx);
  if (!g) {
    g = new GroupCommit<IngestCall, IngestAnswer>({
      maxGroup: GROUP_CALLS_MAX,
      runGroup: async (orgId, calls) => {
        const all = calls.flatMap((c) => c.events.map((e) => ({ e, actor: c.actor })));
        // one transaction: the group's events as one batch, then one read of the figures for every limit header
        const { flat, limits } = await ctx.db.transaction(async (tx) => {
          const now = ctx.clock.now();
          const org = await lockOrg(tx, orgId);
          const results = await ingestLocked(ctx, tx, now, org, all);
          return { flat: results, limits: await limitsAfterGroup(ctx, tx, org, now, calls.map((c) => c.limitsFor)) };
        });
        let at = 0;
        return calls.map((c, i) => ({ results: flat.slice(at, (at += c.events.length)), limits: limits[i] }));
      },
    });
    groups.set(ctx, g);
  }
  return g;
}

/** The events of one organization whose row this transaction has locked. */
async function ingestLocked(ctx: AppContext, tx: Q, now: Date, org: OrgRow, calls: { e: EventInput; actor: string }[]): Promise<EventResult[]> {
  const orgId = org.id;
  // the configuration cached under this lock (realtime/config.ts): meters, settings and caps without a read
  const config = await orgConfig(ctx, tx, org);
  const meters = config.meters;
  const seen = await rows<{ id: string }>(tx, sql`select id from events where org_id = ${orgId} and id = any(${sql.param(calls.map((c) => c.e.id))}::text[])`);
  const seenIds = new Set(seen.map((r) => r.id));
  const oldest = now.getTime() - org.graceDays * DAY_MS;
  const booked = bookingAt(now, org.timezone);
  const results: EventResult[] = [];
  const accepted: Accepted[] = [];
  for (const { e, actor } of calls) {
    if (seenIds.has(e.id)) {
      results.push({ id: e.id, status: 'duplicate' });
      continue;
    }
    const meter = meters.get(e.meter);
    const t = e.timestamp.getTime();
    if (!meter) {
      results.push(reject(e.id, 'unknown_meter', `No meter "${e.meter}" is defined for this organization.`));
    } else if (t < oldest) {
      results.push(
        reject(e.id, 'outside_grace_window', `The event is older than the ${org.graceDays}-day grace window and cannot be recorded.`),
      );
    } else if (t > now.getTime() + FUTURE_TOLERANCE_MS) {
      results.push(reject(e.id, 'timestamp_in_future', 'The event timestamp is more than 5 minutes in the future.'));
    } else {
      const cost = rate(meter, e.quantity, e.resource_class ?? null, org.creditFactor);
      if (cost.credits > MAX_AMOUNT_MICRO || (cost.usd ?? 0n) > MAX_AMOUNT_MICRO) {
        // quantity × price beyond what Tally stores: this event alone is refused, not its batch
        results.push(reject(e.id, 'invalid_amount', `The event costs more than ${formatMicro(MAX_AMOUNT_MICRO)} credits or dollars, the largest amount Tally records.`));
        continue;
      }
      seenIds.add(e.id); // a repeat later in this batch is a duplicate
      const rated: RatedEvent = {
        id: e.id,
        meter: e.meter,
        quantity: e.quantity,
        bookedAt: booked(e.timestamp),
        userId: e.user ?? null,
        project: e.project ?? null,
        resourceClass: e.resource_class ?? null,
        jobId: e.job_id ?? null,
        jobName: e.job_name ?? null,
        credits: cost.credits,
        usd: cost.usd,
        at: e.timestamp,
        apiKeyId: e.api_key ?? null,
      };
      accepted.push({ input: e, rated, overage: 0n, actor, category: meter.category });
      results.push({ id: e.id, status: 'accepted', cost_credits: formatMicro(cost.credits) });
    }
  }
  if (accepted.length === 0) return results;
  const { emptiedBlock } = await drawAndRecord(tx, org, now, booked, accepted);
  await insertEvents(tx, orgId, now, accepted);
  const rated = accepted.map((a) => a.rated);
  await addToRollups(tx, orgId, org.timezone, rated);
  await runUsageRecorded(ctx.hooks, { tx, org, now, events: rated, known: config });
  if (rated.some((e) => e.credits > 0n)) await runBalanceChanged(ctx.hooks, { tx, org, now, known: config, emptiedBlock });
  return results;
}

interface Accepted {
  input: EventInput;
  rated: RatedEvent;
  overage: bigint;
  /** who sent the event (calls of one group commit may come from different keys) */
  actor: string;
  /** the meter's category: scoped credits apply by meter or category */
  category: string;
}

async function drawAndRecord(tx: Q, org: OrgRow, now: Date, booked: (at: Date) => Date, accepted: Accepted[]): Promise<{ emptiedBlock: boolean }> {
  if (!accepted.some((a) => a.rated.credits > 0n)) return { emptiedBlock: false };
  const batch = new LedgerBatch(org.id, now);
  // overage repaid on the way is booked under the first caller of the transaction
  const blocks = await blocksForUsage(tx, batch, now, accepted[0]!.actor);
  for (const a of accepted) {
    if (a.rated.credits === 0n) continue;
    a.overage = bookUsage(batch, blocks, { cost: a.rated.credits, at: a.input.timestamp, now, booked, eventId: a.input.id, actor: a.actor,
      meter: { key: a.input.meter, category: a.category },
    });
  }
  await batch.flush(tx);
  return { emptiedBlock: batch.emptiedBlock };
}

async function insertEvents(tx: Q, orgId: string, now: Date, accepted: Accepted[]): Promise<void> {
  const col = <T>(f: (a: (typeof accepted)[number]) => T) => sql.param(accepted.map(f));
  await tx.execute(sql`
    insert into events (org_id, id, meter, quantity, timestamp, recorded_at, user_id, project, resource_class, job_id,
      job_name, properties, cost_credits, cost_usd, overage, api_key_id)
    select ${orgId}, u.id, u.meter, u.quantity, u.ts, ${now.toISOString()}::timestamptz, u.user_id, u.project, u.rc,
      u.job_id, u.job_name, u.properties, u.cost_credits, u.cost_usd, u.overage, u.api_key_id
    from unnest(${col((a) => a.input.id)}::text[], ${col((a) => a.input.meter)}::text[],
      ${col((a) => a.input.quantity.toString())}::bigint[], ${col((a) => a.input.timestamp.toISOString())}::timestamptz[],
      ${col((a) => a.input.user ?? null)}::text[], ${col((a) => a.input.project ?? null)}::text[],
      ${col((a) => a.input.resource_class ?? null)}::text[], ${col((a) => a.input.job_id ?? null)}::text[],
      ${col((a) => a.input.job_name ?? null)}::text[],
      ${col((a) => (a.input.properties ? JSON.stringify(a.input.properties) : null))}::jsonb[],
      ${col((a) => a.rated.credits.toString())}::bigint[], ${col((a) => a.rated.usd?.toString() ?? null)}::bigint[],
      ${col((a) => a.overage.toString())}::bigint[], ${col((a) => a.input.api_key ?? null)}::text[])
      as u(id, meter, quantity, ts, user_id, project, rc, job_id, job_name, properties, cost_credits, cost_usd, overage, api_key_id)`);
}

export interface EventFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  meter?: string | undefined;
  user?: string | undefined;
  /** only these users' events (a manager's scope) */
  users?: string[] | undefined;
  project?: string | undefined;
}

/** Filters of the events list and export, as one SQL condition. */
export function eventConditions(orgId: string, f: EventFilter) {
  return sql.join(
    [
      sql`org_id = ${orgId}`,
      f.from && sql`timestamp >= ${f.from.toISOString()}::timestamptz`,
      f.to && sql`timestamp < ${f.to.toISOString()}::timestamptz`,
      f.meter && sql`meter = ${f.meter}`,
      f.user && sql`user_id = ${f.user}`,
      f.users && sql`user_id = any(${sql.param(f.users)}::text[])`,
      f.project && sql`project = ${f.project}`,
    ].filter((c) => c !== undefined && c !== ''),
    sql` and `,
  );
}

/** Newest first; the cursor is the last row's (timestamp, id). */
export async function listEvents(args: {
  ctx: AppContext;
  orgId: string;
  filter: EventFilter;
  after: { t: string; id: string } | undefined;
  limit: number;
}) {
  const { ctx, orgId, filter, after, limit } = args;
  const cursor = after ? sql`and (timestamp, id) < (${after.t}::timestamptz, ${after.id})` : sql``;
  const { found, history } = await ctx.db.read(async (q) => {
    const found = await rows<EventRow & { status: 'active' | 'voided' | 'amended'; apiKeyId: string | null }>(
      q,
      sql`select ${EVENT_COLUMNS}, status, api_key_id as "apiKeyId" from events where ${eventConditions(orgId, filter)} ${cursor}
          order by timestamp desc, id desc limit ${limit + 1}`,
    );
    // the page's corrections in one read (none for most events)
    return { found, history: await correctionsOf(q, orgId, found.slice(0, limit).map((e) => e.id)) };
  });
  const data = found.slice(0, limit).map((e) => correctedEventView(e, history.get(e.id) ?? []));
  const last = data[data.length - 1];
  return { data, next: found.length > limit && last ? { t: last.timestamp, id: last.id } : null };
}

