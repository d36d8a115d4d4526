/** What other modules use of grants: booking one (purchases, schedules, rollovers), releasing a pending one, and reading their ledger. */
export { grantLedger, insertGrant, insertRolloverGrant, loadGrantView, releasePendingGrant } from './service.js';
export type { GrantSource } from './service.js';
export { findGrantScopes, markExpiryBooked, noteRolledOverInto, voidPendingGrant } from './service.js';
