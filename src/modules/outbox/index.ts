/** What other modules use of the outbox: queueing a message in the caller's transaction, and the list of notification types. */
export { enqueue } from './enqueue.js';
export { NOTIFICATION_TYPES } from './types.js';
