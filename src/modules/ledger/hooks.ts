import type { Q } from '../../db/client.js';
import type { AppliesTo } from '../../domain/appliesTo.js';
import type { BlockState } from '../../domain/balance.js';
import type { SettingsRow } from '../allocations/queries.js';
import type { MemberRow } from '../members/service.js';
import type { CapRow } from '../caps/queries.js';
import type { Meter } from '../meters/service.js';
import type { RatedEvent } from '../events/rollups.js';
import type { OrgRow } from '../orgs/index.js';

/**
 * Extension points inside the transactions that change credits. Modules that
 * must react in the same transaction (member budgets, low-credit alerts,
 * auto-recharge, the outbox) register here when the app is assembled, so the
 * ledger never imports them.
 */
export interface LedgerHooks {
  /** after accepted usage events were written (inside the ingest transaction) */
  usageRecorded: ((args: {
    tx: Q;
    org: OrgRow;
    now: Date;
    events: RatedEvent[];
    known?: KnownConfig | undefined;
    /** set when the caller already rolled the cycles over to `now` in this transaction */
    cycleCurrent?: boolean | undefined;
  }) => Promise<void>)[];
  /** after any entry changed the organization's credits (inside that transaction) */
  balanceChanged: ((args: {
    tx: Q;
    org: OrgRow;
    now: Date;
    known?: KnownConfig | undefined;
    /** whether a block reached zero in this transaction (absent: unknown), so a grant may have been used up */
    emptiedBlock?: boolean | undefined;
  }) => Promise<void>)[];
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
  return { usageRecorded: [], balanceChanged: [], domainEvent: [], admission: [] };
}

export async function runUsageRecorded(hooks: LedgerHooks, args: Parameters<LedgerHooks['usageRecorded'][number]>[0]) {
  for (const hook of hooks.usageRecorded) await hook(args);
}

export async function runBalanceChanged(hooks: LedgerHooks, args: Parameters<LedgerHooks['balanceChanged'][number]>[0]) {
  for (const hook of hooks.balanceChanged) await hook(args);
}

export async function emitDomainEvent(hooks: LedgerHooks, args: Parameters<LedgerHooks['domainEvent'][number]>[0]) {
  for (const hook of hooks.domainEvent) await hook(args);
}
