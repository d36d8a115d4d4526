import type { AppContext } from './context.js';
import { notifyOnBalanceChange } from './modules/alerts/install.js';
import { recordCycleUsage } from './modules/allocations/index.js';
import { meterBalanceAdmission } from './modules/balance/index.js';
import { capAdmission, capUsageRecorded } from './modules/caps/index.js';
import { enqueue } from './modules/outbox/index.js';
import { planAdmission } from './modules/plan/index.js';
import { foldChangedLedgers } from './modules/statements/index.js';

/**
 * Every in-transaction hook, in the order it runs (src/modules/ledger/hooks.ts
 * runs each list front to back). The ledger never imports the modules that
 * react to it; this file is the one place that says who reacts, and in what order.
 */
export function wireHooks(ctx: AppContext): void {
  const { hooks } = ctx;

  hooks.usageWrites.push(
    // Member budgets: usage counts against the member's and group's credit cycle (sent with the rollups).
    recordCycleUsage,
  );

  hooks.usageRecorded.push(
    // Spend caps (SPEC §3.16): counters kept with the usage.
    capUsageRecorded,
  );

  hooks.balanceWrites.push(
    // Statements: fold new ledger entries into ledger_daily in the transaction that wrote them (with its last write).
    foldChangedLedgers,
  );

  hooks.balanceChanged.push(
    // Low-credit thresholds, grant depletion, auto-recharge (SPEC §3.11).
    notifyOnBalanceChange(ctx),
  );

  hooks.domainEvent.push(
    // Every domain event (grant.created, grant.expired…) goes to the outbox.
    async ({ tx, orgId, now, type, data }) => {
      await enqueue(tx, { orgId, type, now, data: { org_id: orgId, ...data } });
    },
  );

  hooks.admission.push(
    // Plan limits (SPEC §3.10): refuses what a hard credits_per_period limit forbids.
    planAdmission,
    // Spend caps (SPEC §3.16): block caps refuse at admission.
    capAdmission,
    // Scoped credits (SPEC §3.16): a check or hold for a meter counts only the credit that may pay for it.
    meterBalanceAdmission,
  );
}
