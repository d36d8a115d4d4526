import type { SQL } from 'drizzle-orm';
import type { Q } from '../../db/client.js';
import { writeTogether } from '../../db/together.js';
import type { AppliesTo } from '../../domain/appliesTo.js';
import type { BlockState } from '../../domain/balance.js';
import type { SettingsRow } from '../allocations/index.js';
import type { MemberRow } from '../members/index.js';
import type { CapRow } from '../caps/index.js';
import type { Meter } from '../meters/index.js';
import type { RatedEvent } from '../events/index.js';
import type { OrgRow } from '../orgs/index.js';

/**
 * Extension points inside the transactions that change credits. Modules that
 * must react in the same transaction (member budgets, low-credit alerts,
 * auto-recharge, the outbox) register here when the app is assembled, so the
 * ledger never imports them.
 */
export interface LedgerHooks {
  /**
   * after accepted usage events were written (inside the ingest transaction);
   * one call for every organization of the transaction, so a hook can write
   * set-based across them (a mixed batch)
   */
  usageRecorded: ((args: { tx: Q; now: Date; orgs: OrgUsage[] }) => Promise<void>)[];
  /**
   * the same moment, for a hook whose writes are independent set-based upserts:
   * it does what reads it needs, then returns its writes, and the caller sends
   * them in one statement with its own (writeTogether: none may read what
   * another writes). Runs before the usageRecorded hooks, which see its writes.
   */
  usageWrites: ((args: { tx: Q; now: Date; orgs: OrgUsage[] }) => Promise<SQL[]>)[];
  /**
   * after any entry changed these organizations' credits, for a hook whose
   * writes are independent set-based upserts (the statement fold): they are
   * sent in one statement with the caller's last write of the transaction,
   * before the balanceChanged hooks run (what those write later is folded by
   * the organization's next transaction; readers add entries not folded yet)
   */
  balanceWrites: ((args: { now: Date; orgs: OrgBalanceChange[] }) => SQL[])[];
  /** after any entry changed these organizations' credits (inside that transaction) */
  balanceChanged: ((args: { tx: Q; now: Date; orgs: OrgBalanceChange[] }) => Promise<void>)[];
  /** a domain event such as grant.created or grant.expired (inside the transaction that caused it) */
  domainEvent: ((args: { tx: Q; orgId: string; now: Date; type: string; data: Record<string, unknown> }) => Promise<void>)[];
  /**
   * Extra admission limits (e.g. plan limits) consulted by `check` and `hold`
   * besides the member, group, cycle and balance limits. Returns null when the
   * amount fits, else the limit that binds and what remains under it.
   */
  admission: ((args: {
    tx: Q;
    org: OrgRow;
    now: Date;
    memberId: string | null;
    amount: bigint;
    /** credits held by open, unexpired holds: the balance module's figure, read once by the caller */
    held: bigint;
    /** what the call is for, when it says (spend caps per project, API key and meter) */
    subject?: AdmissionSubject | undefined;
    /**
     * Figures the caller already read in its one statement (issue 10), so a
     * hook need not read them again: the plan's limits (stored form) and the
     * credits consumed this billing period. Absent: the hook reads them.
     */
    preloaded?: Preloaded | undefined;
  }) => Promise<{ limit: string; remaining: bigint | null; message: string; details?: Record<string, unknown> } | null>)[];
}

/** One organization's accepted usage in a transaction. */
export interface OrgUsage {
  org: OrgRow;
  events: RatedEvent[];
  known?: KnownConfig | undefined;
  /** set when the caller already rolled the cycles over to `now` in this transaction */
  cycleCurrent?: boolean | undefined;
}

/** One organization whose credits a transaction changed. */
export interface OrgBalanceChange {
  org: OrgRow;
  known?: KnownConfig | undefined;
  /** whether a block reached zero in this transaction (absent: unknown), so a grant may have been used up */
  emptiedBlock?: boolean | undefined;
}

/**
 * Configuration the caller already holds, read under the organization lock
 * (the cached configuration of realtime/config.ts), so usage hooks need not
 * read it again. Absent: the hook reads what it needs.
 */
export interface KnownConfig {
  /** the stored settings; undefined until the organization is first set up */
  settings: SettingsRow | undefined;
  caps: CapRow[];
  members: MemberRow[];
  /** whether the organization has low-credit thresholds */
  alerting: boolean;
  /** whether auto-recharge is enabled */
  autoRecharge: boolean;
}

/** What the real-time path read once for a whole group of calls (issue 10). */
export interface Preloaded {
  planLimits: Record<string, string | null>;
  periodConsumed: bigint | null;
  /** the organization's spend caps (cached configuration) */
  caps: CapRow[];
  /** a member's group, from the cached configuration */
  groupOfMember: (memberId: string) => string | null;
  /** the organization's meters (cached configuration) */
  meters: Map<string, Meter>;
  /** the blocks and grant scopes the balance was read from */
  blocks: BlockState[];
  scopes: Map<string, AppliesTo>;
}

export interface AdmissionSubject {
  project?: string | null | undefined;
  apiKeyId?: string | null | undefined;
  meter?: string | null | undefined;
}

export function emptyHooks(): LedgerHooks {
  return { usageRecorded: [], usageWrites: [], balanceWrites: [], balanceChanged: [], domainEvent: [], admission: [] };
}

/** The usage hooks for one organization. */
export async function runUsageRecorded(hooks: LedgerHooks, { tx, now, ...usage }: { tx: Q; now: Date } & OrgUsage, alongside: (SQL | undefined)[] = []) {
  await runUsageRecordedOf(hooks, { tx, now, orgs: [usage] }, alongside);
}

/**
 * The usage hooks for several organizations at once. `alongside`: the
 * caller's own writes of this usage (its rollups, the events themselves),
 * sent in one statement with the hooks' usageWrites.
 */
export async function runUsageRecordedOf(hooks: LedgerHooks, args: { tx: Q; now: Date; orgs: OrgUsage[] }, alongside: (SQL | undefined)[] = []) {
  const writes = [...alongside];
  if (args.orgs.length > 0) for (const hook of hooks.usageWrites) writes.push(...(await hook(args)));
  await writeTogether(args.tx, writes);
  if (args.orgs.length === 0) return;
  for (const hook of hooks.usageRecorded) await hook(args);
}

/**
 * How a caller hands over its last write: `alongside`, its writes to send in
 * one statement with the balanceWrites; `writesSent`, it already sent the
 * balanceWrites with a statement of its own (balanceWritesOf).
 */
export interface BalanceWritesWith {
  alongside?: (SQL | undefined)[];
  writesSent?: boolean;
}

/** The balance hooks for one organization. */
export async function runBalanceChanged(hooks: LedgerHooks, { tx, now, ...change }: { tx: Q; now: Date } & OrgBalanceChange, sent: BalanceWritesWith = {}) {
  await runBalanceChangedOf(hooks, { tx, now, orgs: [change] }, sent);
}

/** The balance hooks for several organizations at once: their writes (with the caller's), then the others. */
export async function runBalanceChangedOf(hooks: LedgerHooks, args: { tx: Q; now: Date; orgs: OrgBalanceChange[] }, { alongside = [], writesSent = false }: BalanceWritesWith = {}) {
  await writeTogether(args.tx, [...alongside, ...(writesSent ? [] : balanceWritesOf(hooks, args))]);
  if (args.orgs.length === 0) return;
  for (const hook of hooks.balanceChanged) await hook(args);
}

/** The balanceWrites of these organizations, for a caller that sends them in a statement of its own. */
export function balanceWritesOf(hooks: LedgerHooks, args: { now: Date; orgs: OrgBalanceChange[] }): SQL[] {
  return args.orgs.length === 0 ? [] : hooks.balanceWrites.flatMap((hook) => hook(args));
}

export async function emitDomainEvent(hooks: LedgerHooks, args: Parameters<LedgerHooks['domainEvent'][number]>[0]) {
  for (const hook of hooks.domainEvent) await hook(args);
}
