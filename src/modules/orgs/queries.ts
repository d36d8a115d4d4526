import { sql } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { big, bool, date, int, json, mapFirst, mapRows, text, textOf, type DbRow } from '../../db/rows.js';
import { organizationNotFound } from '../../errors.js';

export interface OrgRow {
  id: string;
  name: string;
  timezone: string;
  creditFactor: bigint;
  graceDays: number;
  overage: 'allow' | 'deny';
  embedOrigins: string[];
  createdAt: Date;
  updatedAt: Date;
  /** orgs.config_version: bumped by triggers with every configuration change (issue 10) */
  configVersion: number;
  /** platform_config.version: bumped with every change of platform meters */
  platformVersion: number;
}

const SELECT_ORG_COLUMNS = sql`select id, name, timezone, credit_factor as "creditFactor", grace_days as "graceDays",
  overage, embed_origins as "embedOrigins", created_at as "createdAt", updated_at as "updatedAt", config_version as "configVersion",
  coalesce((select version from platform_config where id = 1), 0) as "platformVersion"`;
const SELECT_ORG = sql`${SELECT_ORG_COLUMNS} from orgs`;

function toOrg(r: DbRow): OrgRow {
  return {
    id: text(r.id),
    name: text(r.name),
    timezone: text(r.timezone),
    creditFactor: big(r.creditFactor),
    graceDays: int(r.graceDays),
    overage: textOf<OrgRow['overage']>(r.overage),
    embedOrigins: json<string[] | null>(r.embedOrigins) ?? [],
    createdAt: date(r.createdAt),
    updatedAt: date(r.updatedAt),
    configVersion: int(r.configVersion),
    platformVersion: int(r.platformVersion),
  };
}

function toOrgLockedForUsage(r: DbRow): OrgLockedForUsage {
  return { org: toOrg(r), cycleCurrent: bool(r.cycleCurrent) };
}

/**
 * Every transaction that changes an organization's credits starts here: the
 * organization row is locked first, so writers of one organization queue up
 * in one order and can never deadlock or double-spend. The row carries the
 * configuration versions read under that lock (see realtime/config.ts).
 */
export async function lockOrg(tx: Q, orgId: string): Promise<OrgRow> {
  const org = await mapFirst(tx, sql`${SELECT_ORG} where id = ${orgId} for update`, toOrg);
  if (!org) throw organizationNotFound(orgId);
  return org;
}

/**
 * Takes the organization's lock unless another transaction holds it (SKIP
 * LOCKED): a job then leaves the organization to the next tick. False when
 * it is locked elsewhere or does not exist.
 */
export async function tryLockOrg(tx: Q, orgId: string): Promise<boolean> {
  const found = await mapRows(tx, sql`select id from orgs where id = ${orgId} for update skip locked`, (r) => text(r.id));
  return found.length > 0;
}

/**
 * lockOrg for several organizations in one statement, in id order, so two
 * transactions that lock overlapping sets queue instead of deadlocking.
 * Unknown ids are absent from the map.
 */
export async function lockOrgs(tx: Q, orgIds: string[]): Promise<Map<string, OrgRow>> {
  const found = await mapRows(tx, sql`${SELECT_ORG} where id = any(${sql.param(orgIds)}::text[]) order by id for update`, toOrg);
  return new Map(found.map((org) => [org.id, org]));
}

/** An organization locked for usage, with what its lock read also told (issue 10: fewer round trips). */
export interface OrgLockedForUsage {
  org: OrgRow;
  /**
   * whether its latest stored cycle was open and contained `now`. Read in the
   * lock statement, so possibly from the snapshot before the lock was
   * granted: only ever a hint that spares the rollover check (a cycle that
   * was current stays current until its end, and usage lines are assigned to
   * cycles by time, read afterwards). The chain head must not be read this
   * way: a head from before the wait would fork the chain.
   */
  cycleCurrent: boolean;
}

/**
 * lockOrgs for the usage path: the same lock in one statement, which also
 * tells whether each organization's cycle is current, so the ingest need not
 * check it again.
 */
export async function lockOrgsForUsage(tx: Q, orgIds: string[], now: Date): Promise<Map<string, OrgLockedForUsage>> {
  const t = now.toISOString();
  const found = await mapRows(
    tx,
    sql`${SELECT_ORG_COLUMNS},
          coalesce((select closed_at is null and starts_at <= ${t}::timestamptz and ${t}::timestamptz < ends_at
             from cycles y where y.org_id = orgs.id order by seq desc limit 1), false) as "cycleCurrent"
        from orgs where id = any(${sql.param(orgIds)}::text[]) order by id for update`,
    toOrgLockedForUsage,
  );
  return new Map(found.map((locked) => [locked.org.id, locked]));
}

export async function findOrg(q: Q, orgId: string): Promise<OrgRow | undefined> {
  return mapFirst(q, sql`${SELECT_ORG} where id = ${orgId}`, toOrg);
}

/** The organization, read without a lock; an unknown id is refused with organization_not_found. */
export async function requireOrg(q: Q, orgId: string): Promise<OrgRow> {
  const org = await findOrg(q, orgId);
  if (!org) throw organizationNotFound(orgId);
  return org;
}

export async function listOrgs(q: Q, after: string | undefined, limit: number): Promise<OrgRow[]> {
  return mapRows(q, sql`${SELECT_ORG} where ${after === undefined ? sql`true` : sql`id > ${after}`} order by id limit ${limit}`, toOrg);
}

/** The credit factor lives on the organization row (the ingest path reads it there). */
export async function setCreditFactor(tx: Q, orgId: string, factor: bigint, now: Date): Promise<void> {
  await tx.execute(sql`update orgs set credit_factor = ${factor.toString()}::bigint, updated_at = ${now.toISOString()}::timestamptz
    where id = ${orgId}`);
}

/** A new organization's row. False when the id is taken (the insert does nothing). */
export async function insertOrg(
  tx: Q,
  o: Pick<OrgRow, 'id' | 'name' | 'timezone' | 'creditFactor' | 'graceDays' | 'overage' | 'createdAt' | 'updatedAt'>,
): Promise<boolean> {
  const inserted = await mapRows(
    tx,
    sql`insert into orgs (id, name, timezone, credit_factor, grace_days, overage, created_at, updated_at)
        values (${o.id}, ${o.name}, ${o.timezone}, ${o.creditFactor.toString()}::bigint, ${o.graceDays}, ${o.overage},
          ${o.createdAt.toISOString()}::timestamptz, ${o.updatedAt.toISOString()}::timestamptz)
        on conflict do nothing returning id`,
    (r) => text(r.id),
  );
  return inserted.length > 0;
}

/** The organization fields a platform update may change; an absent field keeps its value. */
export type OrgChanges = { [K in 'name' | 'timezone' | 'creditFactor' | 'graceDays' | 'overage' | 'embedOrigins']?: OrgRow[K] | undefined };

export async function updateOrgRow(tx: Q, orgId: string, c: OrgChanges, now: Date): Promise<void> {
  const set = [
    c.name === undefined ? null : sql`name = ${c.name}`,
    c.timezone === undefined ? null : sql`timezone = ${c.timezone}`,
    c.creditFactor === undefined ? null : sql`credit_factor = ${c.creditFactor.toString()}::bigint`,
    c.graceDays === undefined ? null : sql`grace_days = ${c.graceDays}`,
    c.overage === undefined ? null : sql`overage = ${c.overage}`,
    c.embedOrigins === undefined ? null : sql`embed_origins = ${sql.param(c.embedOrigins)}::text[]`,
    sql`updated_at = ${now.toISOString()}::timestamptz`,
  ].filter((s) => s !== null);
  await tx.execute(sql`update orgs set ${sql.join(set, sql`, `)} where id = ${orgId}`);
}
