/**
 * What other modules use of the balance: reading it now or inside a transaction, and the figures the real-time path
 * builds on. For the wiring: the scoped-credit admission hook.
 */
export { meterBalanceAdmission } from './meterAdmission.js';
export { balanceNow, getBalance, heldLessLapsed, toState } from './service.js';
export type { RawBlock } from './service.js';
