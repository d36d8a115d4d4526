/**
 * What other modules use of caps: the limit headers of an admission (headers.ts), the usage a
 * correction re-counts (usage.ts), and `findCaps` for the real-time path, which reads its cached
 * configuration in one statement (docs/performance.md) — the one place another module uses this
 * module's SQL. For the wiring and jobs: the admission and usage hooks, and the cap alerts run.
 */
export { capAdmission, capUsageRecorded } from './admission.js';
export { evaluateAllCapAlerts } from './alerts.js';
export { setLimitHeaders, tightestLimit } from './headers.js';
export type { LimitsFor, TightestLimit } from './headers.js';
export { findCaps } from './queries.js';
export type { CapRow } from './queries.js';
export { recordCapUsage } from './usage.js';
