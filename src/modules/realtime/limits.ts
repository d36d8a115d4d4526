import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { type LimitsFor, tightestLimit, type TightestLimit } from '../caps/index.js';
import type { OrgRow } from '../orgs/index.js';
import { loadOrgConfig, needsPeriodConsumed, orgConfig, preloadedOf, type OrgConfig } from './config.js';
import { loadFigures, type Figures } from './figures.js';

/**
 * The limit headers of every call of a group that asked for them, from ONE
 * read of the figures after the group's writes (issue 10): the remaining
 * figure includes the calls before and after a call in the same group. Read
 * after the group's commit, outside the organization lock (the next group
 * is already writing), so it may include a later group too: it is "what is
 * left now", never a figure from before the call. Holds pass the figures
 * they decided with instead (`current`), and read nothing.
 */
export async function limitsAfterGroup(
  ctx: AppContext,
  q: Q,
  org: OrgRow,
  now: Date,
  wants: (LimitsFor | undefined)[],
  current?: { config: OrgConfig; figures: Figures },
): Promise<(TightestLimit | null | undefined)[]> {
  if (!wants.some((w) => w !== undefined)) return wants.map(() => undefined);
  let config = current?.config ?? (await orgConfig(ctx, q, org));
  if (!config.settings) config = await loadOrgConfig(q, org);
  const figures = current?.figures ?? (await loadFigures(q, org, config, now, needsPeriodConsumed(config)));
  const at = { org, state: figures.state, summary: figures.balance, preloaded: preloadedOf(config, figures), now };
  const out: (TightestLimit | null | undefined)[] = [];
  for (const w of wants) out.push(w && (await tightestLimit(ctx, q, at, w)));
  return out;
}
