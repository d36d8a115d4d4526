import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { TallyError } from '../../errors.js';
import type { LimitsFor, TightestLimit } from '../caps/index.js';
import { runBalanceChanged } from '../ledger/index.js';
import { lockOrg, type OrgRow } from '../orgs/index.js';
import { GroupCommit } from './groupCommit.js';
import { limitsAfterGroup } from './limits.js';

/**
 * One real-time call that changes an organization's credits (hold, capture,
 * release): runs inside the group's transaction, after the organization lock,
 * and sees what earlier calls of the group wrote. It answers its value and,
 * when its response carries limit headers, whom they are for.
 */
export type OrgCall<T = unknown> = (tx: Q, org: OrgRow) => Promise<{ value: T; limitsFor?: LimitsFor | undefined }>;

export interface OrgCallAnswer<T> {
  value: T;
  /** the tightest limit left after the call's group (undefined when the call asked for none) */
  limits: TightestLimit | null | undefined;
}

type Outcome = { ok: OrgCallAnswer<unknown> } | { refused: TallyError };

/** At most this many calls share one transaction. */
const MAX_CALLS = 32;

const groups = new WeakMap<AppContext, GroupCommit<OrgCall, Outcome>>();

function groupsOf(ctx: AppContext): GroupCommit<OrgCall, Outcome> {
  let g = groups.get(ctx);
  if (!g) {
    g = new GroupCommit<OrgCall, Outcome>({
      maxGroup: MAX_CALLS,
      // One transaction: the lock once, each call in a savepoint of its own (a call refused by
      // its own rule is rolled back alone), then the balance hooks once for the whole group,
      // then, after the commit and outside the lock, one read of the figures for every response's limit headers.
      runGroup: async (orgId, _first, join) => {
        const { org, now, done } = await ctx.db.transaction(async (tx) => {
          const org = await lockOrg(tx, orgId);
          const calls = join(); // with the calls that came while the lock was awaited
          const now = ctx.clock.now();
          const done: ({ value: unknown; limitsFor?: LimitsFor | undefined } | TallyError)[] = [];
          if (calls.length === 1) {
            // alone: no savepoint needed, a refusal rolls back the transaction itself
            done.push(await calls[0]!(tx, org));
          } else {
            for (const call of calls) {
              try {
                done.push(await tx.transaction((sp) => call(sp as unknown as Q, org)));
              } catch (error) {
                if (!(error instanceof TallyError)) throw error; // a database error: the group is retried call by call
                done.push(error);
              }
            }
          }
          if (done.some((d) => !(d instanceof TallyError))) await runBalanceChanged(ctx.hooks, { tx, org, now });
          return { org, now, done };
        });
        const limits = await ctx.db.read((q) => limitsAfterGroup(ctx, q, org, now, done.map((d) => (d instanceof TallyError ? undefined : d.limitsFor))));
        return done.map((d, i): Outcome => (d instanceof TallyError ? { refused: d } : { ok: { value: d.value, limits: limits[i] } }));
      },
    });
    groups.set(ctx, g);
  }
  return g;
}

/**
 * Runs `call` in the organization's group commit and answers exactly what it
 * would have answered in a transaction of its own. The balanceChanged hooks
 * run once per group, after its last call, so calls must not run them.
 */
export async function inOrgGroup<T>(ctx: AppContext, orgId: string, call: OrgCall<T>): Promise<OrgCallAnswer<T>> {
  const outcome = await groupsOf(ctx).submit(orgId, call as OrgCall);
  if ('refused' in outcome) throw outcome.refused;
  return outcome.ok as OrgCallAnswer<T>;
}
