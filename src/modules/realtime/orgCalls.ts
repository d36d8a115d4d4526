import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { TallyError } from '../../http/errors.js';
import { runBalanceChanged } from '../ledger/hooks.js';
import { lockOrg, type OrgRow } from '../orgs/queries.js';
import { GroupCommit } from './groupCommit.js';

/**
 * One real-time call that changes an organization's credits (hold, capture,
 * release): runs inside the group's transaction, after the organization lock,
 * and sees what earlier calls of the group wrote.
 */
export type OrgCall = (tx: Q, org: OrgRow) => Promise<unknown>;

type Outcome = { ok: unknown } | { refused: TallyError };

/** At most this many calls share one transaction. */
const MAX_CALLS = 32;

const groups = new WeakMap<AppContext, GroupCommit<OrgCall, Outcome>>();

function groupsOf(ctx: AppContext): GroupCommit<OrgCall, Outcome> {
  let g = groups.get(ctx);
  if (!g) {
    g = new GroupCommit<OrgCall, Outcome>({
      maxGroup: MAX_CALLS,
      // One transaction: the lock once, each call in a savepoint of its own (a call refused by
      // its own rule is rolled back alone), then the balance hooks once for the whole group.
      runGroup: (orgId, calls) =>
        ctx.db.transaction(async (tx) => {
          const org = await lockOrg(tx, orgId);
          if (calls.length === 1) {
            // alone: no savepoint needed, a refusal rolls back the transaction itself
            const ok = await calls[0]!(tx, org);
            await runBalanceChanged(ctx.hooks, { tx, org, now: ctx.clock.now() });
            return [{ ok }];
          }
          const outcomes: Outcome[] = [];
          for (const call of calls) {
            try {
              outcomes.push({ ok: await tx.transaction((sp) => call(sp as unknown as Q, org)) });
            } catch (error) {
              if (!(error instanceof TallyError)) throw error; // a database error: the group is retried call by call
              outcomes.push({ refused: error });
            }
          }
          if (outcomes.some((o) => 'ok' in o)) await runBalanceChanged(ctx.hooks, { tx, org, now: ctx.clock.now() });
          return outcomes;
        }),
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
export async function inOrgGroup<T>(ctx: AppContext, orgId: string, call: (tx: Q, org: OrgRow) => Promise<T>): Promise<T> {
  const outcome = await groupsOf(ctx).submit(orgId, call);
  if ('refused' in outcome) throw outcome.refused;
  return outcome.ok as T;
}
