import type { AppContext } from '../../context.js';
import type { Q } from '../../db/client.js';
import { findGroups, findSettings, type GroupRow, type SettingsRow } from '../allocations/index.js';
import { findMembers, type MemberRow } from '../members/index.js';
import type { Preloaded } from '../ledger/index.js';
import type { OrgRow } from '../orgs/index.js';
import type { Figures } from './figures.js';
import { type CapRow, findCaps } from '../caps/index.js';
import { effectiveMeters, type Meter } from '../meters/index.js';
import { findPlan } from '../plan/index.js';
import { findNotifyFlags } from './queries.js';

/**
 * An organization's configuration as of one `config_version` (issue 10):
 * what the per-call path needs and what changes rarely. Shared between
 * calls, so nobody may mutate it.
 */
export interface OrgConfig {
  version: number;
  /** platform_config.version at load: platform meters are part of an organization's meters */
  platformVersion: number;
  /** the stored settings; undefined until the organization is first set up */
  settings: SettingsRow | undefined;
  groups: GroupRow[];
  members: MemberRow[];
  /** the plan's limits (empty without a plan), stored form */
  planLimits: Record<string, string | null>;
  /** spend caps, oldest first (their alert watermarks may be older than the row's: admission never reads them) */
  caps: CapRow[];
  /** the meters in effect (the organization's own over the platform's) */
  meters: Map<string, Meter>;
  /** whether low-credit thresholds exist (their armed/fired state is not configuration: it is read when they exist) */
  alerting: boolean;
  /** whether auto-recharge is enabled (its in-flight purchase is not configuration either) */
  autoRecharge: boolean;
}

/** Above this many organizations the least recently loaded is dropped (a bound, not a tuning knob). */
const MAX_ORGS = 10_000;

const caches = new WeakMap<AppContext, Map<string, OrgConfig>>();

/**
 * The configuration of `org`, from this server's cache when its version is
 * the one on the organization row just read, else loaded (and cached). The
 * version is bumped by triggers in the transaction that changes the
 * configuration, and that update needs the organization row lock: a caller
 * that read `org` with the lock gets exactly the configuration of its
 * transaction, whatever other servers changed before. A caller without the
 * lock (a `check`) gets the configuration committed when it read the row, or
 * newer.
 */
export async function orgConfig(ctx: AppContext, q: Q, org: OrgRow): Promise<OrgConfig> {
  let cache = caches.get(ctx);
  if (!cache) caches.set(ctx, (cache = new Map()));
  const hit = cache.get(org.id);
  if (hit && hit.version === org.configVersion && hit.platformVersion === org.platformVersion) return hit;
  const loaded = await loadOrgConfig(q, org);
  // A concurrent loader may have cached a newer version already: never go back.
  const current = cache.get(org.id);
  if (!current || current.version < loaded.version || (current.version === loaded.version && current.platformVersion <= loaded.platformVersion)) {
    cache.delete(org.id);
    if (cache.size >= MAX_ORGS) cache.delete(cache.keys().next().value!);
    cache.set(org.id, loaded);
  }
  return loaded;
}

/**
 * The configuration read now, bypassing the cache: for a transaction that
 * changed it itself (first use of an organization sets it up).
 */
export async function loadOrgConfig(q: Q, org: OrgRow): Promise<OrgConfig> {
  // One after another: inside a transaction they share one connection anyway.
  const settings = await findSettings(q, org.id);
  const groups = await findGroups(q, org.id);
  const members = await findMembers(q, org.id);
  const plan = await findPlan(q, org.id);
  const caps = await findCaps(q, org.id);
  const meters = await effectiveMeters(q, org.id);
  const notify = await findNotifyFlags(q, org.id);
  return {
    version: org.configVersion,
    platformVersion: org.platformVersion,
    settings,
    groups,
    members,
    planLimits: plan?.limits ?? {},
    caps,
    meters,
    alerting: notify.alerting,
    autoRecharge: notify.autoRecharge,
  };
}

/** Whether admission needs the period's consumption: only under a plan's credits_per_period limit. */
export const needsPeriodConsumed = (config: OrgConfig): boolean =>
  config.planLimits.credits_per_period !== undefined && config.planLimits.credits_per_period !== null;

/** What admission hooks need, from the cached configuration and one read of figures (no further reads). */
export function preloadedOf(config: OrgConfig, figures: Figures): Preloaded {
  const groupOf = new Map(config.members.map((m) => [m.id, m.groupId]));
  return {
    planLimits: config.planLimits,
    periodConsumed: figures.periodConsumed,
    caps: config.caps,
    groupOfMember: (id) => groupOf.get(id) ?? null,
    meters: config.meters,
    blocks: figures.blocks,
    scopes: figures.scopes,
  };
}
