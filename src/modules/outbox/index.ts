/**
 * What other modules use of the outbox: queueing a message in the caller's transaction, and the list of notification types.
 * For the app and jobs: the mail settings and the delivery run.
 */
export { deliverDue } from './delivery.js';
export { enqueue } from './enqueue.js';
export { mailSettings } from './settings.js';
export type { MailSettings } from './settings.js';
export { NOTIFICATION_TYPES } from './types.js';
