/**
 * What other modules use of alerts: who receives a billing alert, and the balance the alerts and auto-recharge compare.
 * For the jobs: evaluating the alert rules. (The balance hook, install.ts, is wired by src/wiring.ts past this surface.)
 */
export { balanceInTx } from './balance.js';
export { alertRecipients } from './recipients.js';
export { evaluateAllRules } from './rules-service.js';
