import type { Actor } from '../../actor.js';
import type { AppContext } from '../../context.js';
import { formatMicro } from '../../domain/money.js';
import { addDays } from '../../domain/periods.js';
import { scopedUsers } from '../allocations/index.js';
import {correctionsOf} from '../corrections/index.js';
import {findEventsForExport} from '../events/index.js';
import {eventView} from '../events/index.js';
import {grantLedger} from '../grants/index.js';
import { textCell as t } from './csv.js';
import { requireOrg } from '../orgs/index.js';
import { jobLinesOfDays, statementForExport } from '../statements/index.js';

const PAGE = 5_000;

export const DAILY_COLUMNS = ['date', 'top_ups', 'credits_used', 'balance'];
export const JOB_COLUMNS = ['date', 'job', 'project', 'user', 'resource_class', 'credits_used'];
export const EVENT_EXPORT_COLUMNS = [
  'id', 'timestamp', 'recorded_at', 'meter', 'quantity', 'user', 'project', 'resource_class',
  'job_id', 'job_name', 'cost_credits', 'cost_usd', 'overage', 'properties',
  // appended, so readers that take columns by position keep working (issue 15: corrections)
  'status', 'corrections', 'last_corrected_at', 'last_corrected_by', 'original_quantity', 'original_cost_credits',
];
export const GRANT_LEDGER_COLUMNS = ['id', 'occurred_at', 'recorded_at', 'type', 'amount', 'balance', 'block_id', 'counterparty', 'event_id', 'ref'];

/** A statement's daily summary: one page (a period has at most 31 days). */
export async function* statementDailyRows(args: { ctx: AppContext; orgId: string; period: string }): AsyncGenerator<string[][]> {
  const s = await statementForExport(args);
  yield s.days.map((d) => [d.day, formatMicro(d.topUps), formatMicro(d.creditsUsed), formatMicro(d.balance)]);
}

/** A statement's job lines, read a few days at a time. */
export async function* statementJobRows(args: { ctx: AppContext; orgId: string; period: string }): AsyncGenerator<string[][]> {
  const s = await statementForExport(args);
  const last = s.days.length > 0 ? addDays(s.days[s.days.length - 1]!.day, 1) : s.first;
  yield [];
  for (let day = s.first; day < last; day = addDays(day, 3)) {
    const to = addDays(day, 3) < last ? addDays(day, 3) : last;
    const lines = await jobLinesOfDays({ ctx: args.ctx, orgId: args.orgId, fromDay: day, toDay: to });
    yield lines.map((j) => [j.day, t(j.name), t(j.project), t(j.userId), t(j.resourceClass), j.credits]);
  }
}

/** Events in [from, to), oldest first, by keyset pages on (timestamp, id); a manager's, of their groups' members only. */
export async function* eventRows(args: { ctx: AppContext; actor: Actor; orgId: string; from?: Date | undefined; to?: Date | undefined }): AsyncGenerator<string[][]> {
  const { ctx, actor, orgId } = args;
  await ctx.db.read((q) => requireOrg(q, orgId));
  const users = await scopedUsers(ctx, actor, orgId, undefined);
  yield [];
  const filter = { from: args.from, to: args.to, users };
  let after: { ts: string; id: string } | null = null;
  for (;;) {
    const { page, history } = await ctx.db.read(async (q) => {
      const page = await findEventsForExport(q, orgId, filter, after, PAGE);
      // only corrected events have a history: for most pages this reads nothing
      return { page, history: await correctionsOf(q, orgId, page.filter((r) => r.status !== 'active').map((r) => r.id)) };
    });
    if (page.length === 0) return;
    yield page.map((row) => {
      const e = eventView(row);
      const corrections = history.get(row.id) ?? [];
      const first = corrections[0];
      const latest = corrections[corrections.length - 1];
      // A voided event keeps the figures it was voided with; `status` says they no longer count.
      return [
        t(e.id), e.timestamp, e.recorded_at, t(e.meter), e.quantity, t(e.user), t(e.project), t(e.resource_class),
        t(e.job_id), t(e.job_name), e.cost_credits, e.cost_usd ?? '', e.overage, e.properties ? JSON.stringify(e.properties) : '',
        row.status, String(corrections.length), latest ? new Date(latest.at).toISOString() : '', t(latest?.actor),
        first ? String(first.before.quantity) : '', first ? String(first.before.cost_credits) : '',
      ];
    });
    const last = page[page.length - 1]!;
    after = { ts: last.tsKey, id: last.id };
    if (page.length < PAGE) return;
  }
}

/** One grant's ledger, oldest first, by pages of entry ids. */
export async function* grantLedgerRows(args: { ctx: AppContext; orgId: string; grantId: string }): AsyncGenerator<string[][]> {
  let after: bigint | undefined;
  for (;;) {
    const page = await grantLedger({ ...args, after, limit: PAGE });
    yield page.data.map((e) => [
      e.id, e.occurred_at, e.recorded_at, e.type, e.amount, e.balance ?? '', e.block_id ?? '', e.counterparty, t(e.event_id), t(e.ref),
    ]);
    if (page.next === null) return;
    after = BigInt(page.next);
  }
}
