/** What other modules use of purchases: the auto-recharge check, run after a balance change. */
export { evaluateAutoRecharge } from './autorecharge.js';
