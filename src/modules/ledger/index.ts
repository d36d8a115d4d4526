/**
 * What other modules use of the ledger: the one writer of credit moves (batch.ts), the blocks and
 * usage booking, the hooks that run after a balance change or a usage record, and the hash chain
 * the statements' proof and /verify read. For the app and jobs: the empty hook lists the app starts
 * with, and the organizations whose overage a starting block may repay.
 */
export { blockAccount, LedgerBatch } from './batch.js';
export type { Entry } from './batch.js';
export {
  accountBalance,
  findBlockStandings,
  findEventEntries,
  findOrgsToRepayOverage,
  findOverageRepayers,
  loadSpendableBlocks,
  repayOverage,
} from './blocks.js';
export type { SpendableBlock } from './blocks.js';
export { balanceWritesOf, emitDomainEvent, emptyHooks, runBalanceChanged, runBalanceChangedOf, runUsageRecorded, runUsageRecordedOf } from './hooks.js';
export type { AdmissionSubject, KnownConfig, LedgerHooks, OrgUsage, Preloaded } from './hooks.js';
export { blocksForUsage, blocksForUsageOf, bookUsage } from './usage.js';
export { allOrgIds, CHAIN_COLUMNS, chainedEntry, proveOrg, toChainRow } from './verify.js';
export type { ChainRow } from './verify.js';
