/** What other modules use of schedules: booking the rollovers that are due, which expiry runs first. */
export { bookDueRollovers } from './rollover.js';
