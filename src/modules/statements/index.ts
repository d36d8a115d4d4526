/**
 * What other modules use of statements: a period's statement, which invoices, the plan, usage and exports build on.
 * For the wiring and the period-close job: the ledger fold hook, and storing, sealing and recording a closed period.
 */
export { foldChangedLedgers } from './fold.js';
export { sealStatement } from './proof.js';
export {
  computeStatement,
  isStatementClosed,
  jobLinesOfDays,
  recordPeriodClose,
  resolvePeriod,
  statementForExport,
  statementProgress,
  statementView,
  storeClosedStatement,
} from './service.js';
export type { PeriodStatement } from './service.js';
