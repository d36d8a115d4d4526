/** What other modules use of API keys: ending a removed member's keys. */
export { revokeMemberKeys } from './service.js';
