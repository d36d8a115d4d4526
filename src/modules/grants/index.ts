/**
 * What other modules use of grants: booking one (purchases, schedules, rollovers), releasing a pending one, and reading
 * their ledger and scopes (balance). For the jobs and the demo: settling overage when a block starts, and creating a grant.
 */
export { createGrant, grantLedger, grantScopes, insertGrant, insertRolloverGrant, loadGrantView, releasePendingGrant, settleOverage } from './service.js';
export type { GrantSource } from './service.js';
export { markBlockRolledOver, voidPendingGrant } from './service.js';
