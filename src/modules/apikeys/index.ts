/** What other modules use of API keys: ending a removed member's keys. For HTTP authentication: the key lookup, its use, and key secrets. */
export { newOrgKeySecret, newPlatformKey } from './secrets.js';
export { findKeyBySecret, recordKeyUsed, revokeMemberKeys } from './service.js';
