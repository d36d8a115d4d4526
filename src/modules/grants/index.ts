/** What other modules use of grants: booking one (purchases, schedules), releasing a pending one, and reading their ledger. */
export { grantLedger, insertGrant, loadGrantView, releasePendingGrant } from './service.js';
export type { GrantSource } from './service.js';
export { findGrantScopes, markExpiryBooked, noteRolledOverInto, voidPendingGrant } from './service.js';
