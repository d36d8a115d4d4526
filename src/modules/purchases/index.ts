/**
 * What other modules use of purchases: the auto-recharge check, run after a balance change. For the app and
 * the demo: the payment provider (manual by default) and buying credits.
 */
export { evaluateAutoRecharge } from './autorecharge.js';
export { manualProvider } from './provider.js';
export type { PaymentProvider } from './provider.js';
export { confirmPurchase, createPurchase } from './service.js';
