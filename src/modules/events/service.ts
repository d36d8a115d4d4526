import { sql, type SQL } from 'drizzle-orm';
import { creditsText } from '../../domain/display.js';
import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { formatMicro, MAX_AMOUNT_MICRO } from '../../domain/money.js';
import { rate } from '../../domain/rating.js';
import { bookingAt, DAY_MS } from '../../domain/time.js';
import type { Actor } from '../../actor.js';
import { organizationNotFound, TallyError, type ErrorCode } from '../../errors.js';
import { balanceWritesOf, blocksForUsageOf, bookUsage, LedgerBatch, runBalanceChangedOf, runUsageRecordedOf } from '../ledger/index.js';
import { lockOrgsForUsage, type OrgLockedForUsage, type OrgRow } from '../orgs/index.js';
import { GroupCommit, limitsAfterGroup, orgConfig, type OrgConfig } from '../realtime/index.js';
import type { LimitsFor, TightestLimit } from '../caps/index.js';
import { findRecordedEventIds } from './queries.js';
import { rollupWrites, type RatedEvent } from './rollups.js';

// the events table for corrections (SQL stays in queries.ts)
export { amendEvent, findEvent, removeFromRollups, voidEvent, type StoredEvent } from './queries.js';

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

const unknownOrg = (id: string, orgId: string): EventResult => reject(id, 'organization_not_found', organizationNotFound(orgId).message);

/**
 * Batch ingest (SPEC §3.5). One transaction per request (or per group of
 * small requests of one organization): lock the organizations, then for each
 * find ids already seen, rate and draw down in memory, and write events,
 * ledger entries, block balances and rollups set-based.
 * Facts are never refused for lack of credit: what no block pays is overage.
 * Reads of recorded events are in reads.ts.
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
  // A small batch of one organization joins that organization's group commit;
  // a batch of several organizations joins the batch lane (written together with
  // the batches that arrive while one is being written); a large batch of one
  // organization is one transaction of its own, in parallel with other
  // organizations' batches.
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
    const batch: BatchCall = { byOrg: new Map(orgIds.map((orgId) => [orgId, eventsOf(orgId)])), actor: actor.label };
    const written = orgIds.length > 1 ? await batchLaneOf(ctx).submit(BATCH_LANE, batch) : (await ingestBatches(ctx, [batch]))[0]!;
    for (const orgId of orgIds) answers.set(orgId, { results: written.get(orgId)! });
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
      runGroup: async (orgId, first, join) => {
        let calls = first;
        // one transaction: the group's events as one batch, with the calls that came while the lock was awaited
        const { flat, org, now } = await ctx.db.transaction(async (tx) => {
          const now = ctx.clock.now();
          const locked = (await lockOrgsForUsage(tx, [orgId], now)).get(orgId);
          if (!locked) throw organizationNotFound(orgId);
          calls = join();
          const all = calls.flatMap((c) => c.events.map((e) => ({ e, actor: c.actor })));
          return { flat: (await ingestLockedOf(ctx, tx, now, [{ locked, calls: all }])).get(orgId)!, org: locked.org, now };
        });
        // then one read of the figures for every limit header, after the commit: outside the lock
        const limits = await ctx.db.read((q) => limitsAfterGroup(ctx, q, org, now, calls.map((c) => c.limitsFor)));
        let at = 0;
        return calls.map((c, i) => ({ results: flat.slice(at, (at += c.events.length)), limits: limits[i] }));
      },
    });
    groups.set(ctx, g);
  }
  return g;
}

/** One request's batch: its events per organization, in arrival order. */
interface BatchCall {
  byOrg: Map<string, EventInput[]>;
  actor: string;
}

/** The one queue key of the batch lane: batches of several organizations wait for one another whatever their organizations. */
const BATCH_LANE = 'batches';
/** At most this many batches (of up to 1,000 events each) share one transaction. */
const BATCH_LANE_MAX = 8;

const batchLanes = new WeakMap<AppContext, GroupCommit<BatchCall, Map<string, EventResult[]>>>();

/**
 * The batch lane of one app (issue 10, "mixed batches"): a batch of several
 * organizations locks every one of them, so two such batches that share an
 * organization run one after the other anyway. Batches that arrive while one
 * is being written wait and are then written together, in one transaction
 * that locks the union of their organizations once, in id order: the fixed
 * cost of each organization (its lock, configuration, spendable blocks, chain
 * head, fold and rollup rows) is paid once for them all. Each batch gets its
 * own results, as if it had run alone at its place in the order.
 */
function batchLaneOf(ctx: AppContext): GroupCommit<BatchCall, Map<string, EventResult[]>> {
  let lane = batchLanes.get(ctx);
  if (!lane) {
    lane = new GroupCommit({ maxGroup: BATCH_LANE_MAX, runGroup: (_key, batches) => ingestBatches(ctx, batches) });
    batchLanes.set(ctx, lane);
  }
  return lane;
}

/**
 * Batches in one transaction: every organization named locked at once, in id
 * order (an unknown one is found by the lock itself, no extra round trip), then
 * their events ingested set-based in arrival order (a repeat of an id accepted
 * in an earlier batch is a duplicate, as it would be one call later).
 */
async function ingestBatches(ctx: AppContext, batches: BatchCall[]): Promise<Map<string, EventResult[]>[]> {
  const orgIds = [...new Set(batches.flatMap((b) => [...b.byOrg.keys()]))].sort();
  return ctx.db.transaction(async (tx) => {
    const now = ctx.clock.now();
    const locked = await lockOrgsForUsage(tx, orgIds, now);
    const units = [...locked.values()].map((l) => ({
      locked: l,
      calls: batches.flatMap((b) => (b.byOrg.get(l.org.id) ?? []).map((e) => ({ e, actor: b.actor }))),
    }));
    const written = await ingestLockedOf(ctx, tx, now, units);
    const taken = new Map<string, number>(); // per organization, the results already handed to earlier batches
    return batches.map(
      (b) =>
        new Map(
          [...b.byOrg].map(([orgId, events]) => {
            const all = written.get(orgId);
            if (!all) return [orgId, events.map((e) => unknownOrg(e.id, orgId))];
            const from = taken.get(orgId) ?? 0;
            taken.set(orgId, from + events.length);
            return [orgId, all.slice(from, from + events.length)];
          }),
        ),
    );
  });
}

type Call = { e: EventInput; actor: string };

/**
 * The events of several organizations whose rows this transaction has
 * locked, written set-based across them (issue 10): one read of ids already
 * seen, one of spendable blocks and overage, then the ledger, the events and
 * the rollups in one statement each, whatever the number of organizations,
 * hooks included. The lock read told whether each cycle is current.
 */
async function ingestLockedOf(ctx: AppContext, tx: Q, now: Date, units: { locked: OrgLockedForUsage; calls: Call[] }[]): Promise<Map<string, EventResult[]>> {
  const answers = new Map<string, EventResult[]>();
  const seen = await seenIds(tx, units.map((u) => ({ org: u.locked.org, calls: u.calls })));
  const work: Work[] = [];
  for (const { locked, calls } of units) {
    const org = locked.org;
    // the configuration cached under this lock (realtime/config.ts): meters, settings and caps without a read
    const config = await orgConfig(ctx, tx, org);
    const booked = bookingAt(now, org.timezone);
    const accepted: Accepted[] = [];
    answers.set(org.id, rateEvents(org, config, now, booked, calls, seen.get(org.id) ?? new Set(), accepted));
    if (accepted.length > 0) work.push({ org, locked, config, booked, accepted });
  }
  if (work.length === 0) return answers;
  const emptied = await drawAndRecord(tx, now, work);
  const rollups = work.map((w) => ({ orgId: w.org.id, zone: w.org.timezone, events: w.accepted.map((a) => a.rated) }));
  const usage = work.map(({ org, locked, config, accepted }) => ({
    org,
    known: config,
    events: accepted.map((a) => a.rated),
    cycleCurrent: locked.cycleCurrent && config.settings !== undefined,
  }));
  const changed = usage.filter((u) => u.events.some((e) => e.credits > 0n));
  const balance = { tx, now, orgs: changed.map(({ org, known }) => ({ org, known, emptiedBlock: emptied.has(org.id) })) };
  // the events, their rollups, the cycle counters and the statement fold in one statement
  await runUsageRecordedOf(ctx.hooks, { tx, now, orgs: usage }, [insertEvents(now, work), ...rollupWrites(rollups), ...balanceWritesOf(ctx.hooks, balance)]);
  await runBalanceChangedOf(ctx.hooks, balance, { writesSent: true });
  return answers;
}

interface Work {
  org: OrgRow;
  locked: OrgLockedForUsage;
  config: OrgConfig;
  booked: (at: Date) => Date;
  accepted: Accepted[];
}

/** Ids among these calls' events already recorded, per organization: one read. */
async function seenIds(tx: Q, units: { org: OrgRow; calls: Call[] }[]): Promise<Map<string, Set<string>>> {
  const asked = units.flatMap((u) => u.calls.map((c) => ({ orgId: u.org.id, id: c.e.id })));
  const seen = new Map<string, Set<string>>();
  for (const [orgId, id] of await findRecordedEventIds(tx, asked)) {
    const set = seen.get(orgId);
    if (set) set.add(id);
    else seen.set(orgId, new Set([id]));
  }
  return seen;
}

/** Validates and rates one organization's events in arrival order; the accepted ones go to `accepted`. */
function rateEvents(org: OrgRow, config: OrgConfig, now: Date, booked: (at: Date) => Date, calls: Call[], seenIds: Set<string>, accepted: Accepted[]): EventResult[] {
  const meters = config.meters;
  const oldest = now.getTime() - org.graceDays * DAY_MS;
  const results: EventResult[] = [];
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
        results.push(reject(e.id, 'invalid_amount', `The event costs more than ${creditsText(MAX_AMOUNT_MICRO)} credits or dollars, the largest amount Tally records.`));
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

/** Draws every organization's usage from its blocks and writes all ledger entries; returns the organizations where a block emptied. */
async function drawAndRecord(tx: Q, now: Date, work: Work[]): Promise<Set<string>> {
  const paying = work.filter((w) => w.accepted.some((a) => a.rated.credits > 0n));
  if (paying.length === 0) return new Set();
  // overage repaid on the way is booked under the first caller of the organization's events
  const of = paying.map((w) => ({ w, batch: new LedgerBatch(w.org.id, now), actor: w.accepted[0]!.actor }));
  const blocks = await blocksForUsageOf(tx, of, now);
  for (const { w, batch } of of) {
    const orgBlocks = blocks.get(w.org.id)!;
    for (const a of w.accepted) {
      if (a.rated.credits === 0n) continue;
      a.overage = bookUsage(batch, orgBlocks, { cost: a.rated.credits, at: a.input.timestamp, now, booked: w.booked, eventId: a.input.id, actor: a.actor,
        meter: { key: a.input.meter, category: a.category },
      });
    }
  }
  await LedgerBatch.flushAll(tx, of.map((o) => o.batch));
  return new Set(of.filter((o) => o.batch.emptiedBlock).map((o) => o.w.org.id));
}

/** The insert of the accepted events (sent in one statement with the rollups). */
function insertEvents(now: Date, work: { org: OrgRow; accepted: Accepted[] }[]): SQL {
  const all = work.flatMap((w) => w.accepted.map((a) => ({ orgId: w.org.id, ...a })));
  const col = <T>(f: (a: (typeof all)[number]) => T) => sql.param(all.map(f));
  return sql`
    insert into events (org_id, id, meter, quantity, timestamp, recorded_at, user_id, project, resource_class, job_id,
      job_name, properties, cost_credits, cost_usd, overage, api_key_id)
    select u.org_id, u.id, u.meter, u.quantity, u.ts, ${now.toISOString()}::timestamptz, u.user_id, u.project, u.rc,
      u.job_id, u.job_name, u.properties, u.cost_credits, u.cost_usd, u.overage, u.api_key_id
    from unnest(${col((a) => a.orgId)}::text[], ${col((a) => a.input.id)}::text[], ${col((a) => a.input.meter)}::text[],
      ${col((a) => a.input.quantity.toString())}::bigint[], ${col((a) => a.input.timestamp.toISOString())}::timestamptz[],
      ${col((a) => a.input.user ?? null)}::text[], ${col((a) => a.input.project ?? null)}::text[],
      ${col((a) => a.input.resource_class ?? null)}::text[], ${col((a) => a.input.job_id ?? null)}::text[],
      ${col((a) => a.input.job_name ?? null)}::text[],
      ${col((a) => (a.input.properties ? JSON.stringify(a.input.properties) : null))}::jsonb[],
      ${col((a) => a.rated.credits.toString())}::bigint[], ${col((a) => a.rated.usd?.toString() ?? null)}::bigint[],
      ${col((a) => a.overage.toString())}::bigint[], ${col((a) => a.input.api_key ?? null)}::text[])
      as u(org_id, id, meter, quantity, ts, user_id, project, rc, job_id, job_name, properties, cost_credits, cost_usd, overage, api_key_id)`;
}
