/**
 * What other modules use of grants: booking one (purchases, schedules, rollovers), releasing a pending one, and reading
 * their ledger. For the jobs and the demo: settling overage when a block starts, and creating a grant.
 */
export { createGrant, grantLedger, insertGrant, insertRolloverGrant, loadGrantView, releasePendingGrant, settleOverage } from './service.js';
export type { GrantSource } from './service.js';
export { findGrantScopes, markExpiryBooked, noteRolledOverInto, voidPendingGrant } from './service.js';
