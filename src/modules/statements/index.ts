/** What other modules use of statements: a period's statement, which invoices, the plan, usage and exports build on. */
export { computeStatement, jobLinesOfDays, resolvePeriod, statementForExport } from './service.js';
export type { PeriodStatement } from './service.js';
