/** What other modules use of the real-time path: holds and ingest admit and book through its cached configuration and group commit. */
export { loadOrgConfig, needsPeriodConsumed, orgConfig, preloadedOf } from './config.js';
export type { OrgConfig } from './config.js';
export { loadFigures, reserve } from './figures.js';
export { GroupCommit } from './groupCommit.js';
export { limitsAfterGroup } from './limits.js';
export { inOrgGroup } from './orgCalls.js';
