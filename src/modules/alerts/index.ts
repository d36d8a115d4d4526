/** What other modules use of alerts: who receives a billing alert, and the balance the alerts and auto-recharge compare. */
export { balanceInTx } from './balance.js';
export { alertRecipients } from './recipients.js';
