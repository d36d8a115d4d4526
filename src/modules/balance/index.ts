/** What other modules use of the balance: reading it now or inside a transaction, and the figures the real-time path builds on. */
export { balanceNow, getBalance, heldLessLapsed, toState } from './service.js';
export type { RawBlock } from './service.js';
