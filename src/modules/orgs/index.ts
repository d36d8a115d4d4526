/**
 * What other modules may use of an organization: its row, read (`requireOrg`,
 * `findOrg`) or locked for a change (`lockOrg`, `lockOrgs`, `lockOrgsForUsage`, a job's `tryLockOrg`), and its credit factor set (`setCreditFactor`, by the settings). The use cases
 * (create, update, list) are in service.ts, which other modules do not need;
 * it is kept out of here because it depends on allocations, which depends on this.
 */
export { findOrg, lockOrg, lockOrgs, lockOrgsForUsage, requireOrg, setCreditFactor, tryLockOrg, type OrgLockedForUsage, type OrgRow } from './queries.js';
