import { createHash } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Actor } from '../../actor.js';
import { TallyError, type ErrorCode } from '../../errors.js';
import { metrics } from '../../metrics.js';
import { NonNegativeAmount } from '../../amounts.js';
import { effectiveMeters, type Meter } from '../meters/index.js';
import { resolveAliases } from './aliases.js';
import { ingestEvents, type EventInput, type EventResult, type IngestSummary } from './service.js';
import { readValuePath } from './value-path.js';

/**
 * Events in another system's shape (CloudEvents, Stripe meter events), mapped onto the native
 * ingest: the subject names the organization (its id, `<org id>/<member id>`, or one of its
 * customer aliases), the quantity comes from the event's data by the meter's `value_path`, and the
 * mapped events go through the same `ingestEvents` as native ones, so results, limits and the
 * ledger are the same.
 */
export interface ForeignEvent {
  /** the idempotency key, stored as the event id */
  id: string;
  subject: string;
  meter: string;
  timestamp: Date;
  data: Record<string, unknown>;
  /** a quantity given outright (Stripe's payload.value); otherwise read by the meter's value_path */
  value?: unknown;
  project?: string | undefined;
  jobId?: string | undefined;
  jobName?: string | undefined;
  resourceClass?: string | undefined;
}

/** One input item: either mapped, or refused before mapping with a per-event error. */
export type ForeignItem = { ok: true; event: ForeignEvent } | { ok: false; id: string; code: ErrorCode; message: string };

interface Subject {
  org: string;
  member?: string | undefined;
}

/** Resolves every subject with one alias lookup: a whole-subject alias, else `<alias or org id>/<member>`. */
async function resolveSubjects(ctx: AppContext, subjects: string[]): Promise<Map<string, Subject>> {
  const candidates = new Set<string>();
  for (const s of subjects) {
    candidates.add(s);
    const slash = s.indexOf('/');
    if (slash > 0) candidates.add(s.slice(0, slash));
  }
  const aliases = await ctx.db.read((q) => resolveAliases(q, [...candidates]));
  const out = new Map<string, Subject>();
  for (const s of subjects) {
    const whole = aliases.get(s);
    if (whole) {
      out.set(s, { org: whole });
      continue;
    }
    const slash = s.indexOf('/');
    if (slash <= 0) {
      out.set(s, { org: s });
      continue;
    }
    const head = s.slice(0, slash);
    out.set(s, { org: aliases.get(head) ?? head, member: s.slice(slash + 1) || undefined });
  }
  return out;
}

/** The quantity of one event, or the reason there is none. */
function quantityOf(event: ForeignEvent, meter: Meter | undefined): { ok: true; quantity: bigint } | { ok: false; code: ErrorCode; message: string } {
  let raw: unknown;
  let where: string;
  if (event.value !== undefined) {
    raw = event.value;
    where = 'value';
  } else if (!meter) {
    // Unknown meter: ingestEvents refuses it with its own code and sentence.
    return { ok: true, quantity: 0n };
  } else if (meter.valuePath) {
    raw = readValuePath(event.data, meter.valuePath);
    where = `data at ${meter.valuePath}`;
    if (raw === undefined || raw === null) {
      return { ok: false, code: 'invalid_request', message: `The event has no quantity at ${meter.valuePath} in its data (the value_path of meter "${meter.key}").` };
    }
  } else if (meter.aggregation === 'count') {
    return { ok: true, quantity: 1_000_000n };
  } else {
    return {
      ok: false,
      code: 'invalid_request',
      message: `Meter "${meter.key}" has no value_path, so the quantity cannot be read from the event's data; set one (e.g. "$.tokens") with PUT /v1/meters/${meter.key}.`,
    };
  }
  const parsed = NonNegativeAmount.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, code: 'invalid_amount', message: `The quantity (${where}) ${parsed.error.issues[0]?.message ?? 'is not a decimal number'}.` };
  }
  return { ok: true, quantity: parsed.data };
}

/** Maps and ingests; the summary has one result per input item, in order, exactly as native ingest answers. */
export async function ingestForeign({ ctx, actor, items }: { ctx: AppContext; actor: Actor; items: ForeignItem[] }): Promise<IngestSummary> {
  const results: EventResult[] = new Array(items.length);
  const mapped = items.flatMap((item) => (item.ok ? [item.event] : []));
  const subjects = await resolveSubjects(ctx, [...new Set(mapped.map((e) => e.subject))]);
  const orgs = [...new Set([...subjects.values()].map((s) => s.org))];
  const meterSets = new Map<string, Map<string, Meter>>();
  await ctx.db.read(async (q) => {
    for (const org of orgs) meterSets.set(org, await effectiveMeters(q, org));
  });

  const inputs: EventInput[] = [];
  const slots: number[] = [];
  items.forEach((item, i) => {
    if (!item.ok) {
      results[i] = { id: item.id, status: 'rejected', error: { code: item.code, message: item.message } };
      return;
    }
    const e = item.event;
    const subject = subjects.get(e.subject)!;
    const quantity = quantityOf(e, meterSets.get(subject.org)?.get(e.meter));
    if (!quantity.ok) {
      results[i] = { id: e.id, status: 'rejected', error: { code: quantity.code, message: quantity.message } };
      return;
    }
    inputs.push({
      id: e.id,
      org: subject.org,
      meter: e.meter,
      quantity: quantity.quantity,
      timestamp: e.timestamp,
      user: subject.member,
      project: e.project,
      job_id: e.jobId,
      job_name: e.jobName,
      resource_class: e.resourceClass,
      properties: Object.keys(e.data).length > 0 ? e.data : undefined,
    });
    slots.push(i);
  });

  if (inputs.length > 0) {
    let native: EventResult[];
    try {
      native = (await ingestEvents({ ctx, actor, events: inputs })).results;
    } catch (error) {
      // Nothing of the mapped part was taken: its per-event results are in the details.
      const details = (error as TallyError).details as { results?: EventResult[] } | undefined;
      if (!(error instanceof TallyError) || !details?.results) throw error;
      native = details.results;
    }
    slots.forEach((slot, n) => (results[slot] = native[n]!));
  }
  return summarize(results);
}

/** Counts, metrics, and the native rule: a batch in which nothing could be taken answers 4xx. */
function summarize(results: EventResult[]): IngestSummary {
  const summary: IngestSummary = { accepted: 0, duplicates: 0, rejected: 0, results };
  for (const r of results) {
    if (r.status === 'accepted') summary.accepted++;
    else if (r.status === 'duplicate') summary.duplicates++;
    else summary.rejected++;
  }
  metrics.events.inc({ status: 'accepted' }, summary.accepted);
  metrics.events.inc({ status: 'duplicate' }, summary.duplicates);
  metrics.events.inc({ status: 'rejected' }, summary.rejected);
  if (summary.accepted === 0 && summary.duplicates === 0 && summary.rejected > 0) {
    const rejected = results.filter((r): r is Extract<EventResult, { status: 'rejected' }> => r.status === 'rejected');
    const codes = new Set(rejected.map((r) => r.error.code));
    const first = rejected[0]!;
    const code: ErrorCode = codes.size === 1 ? first.error.code : 'events_rejected';
    const message =
      codes.size === 1 && results.length === 1
        ? first.error.message
        : `No event was accepted: ${first.error.message}${results.length > 1 ? ' (see details.results for each event)' : ''}`;
    throw new TallyError(code, message, { results });
  }
  return summary;
}

/** Event ids are at most 200 characters; a longer idempotency key is kept whole by hashing it. */
export function eventKey(parts: string[]): string {
  const key = parts.join('#');
  if (key.length <= 200) return key;
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}
