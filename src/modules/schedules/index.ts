/** What other modules use of schedules: booking the rollovers that are due, which expiry runs first; the grant-schedules job's walk and work. */
export { bookDueRollovers } from './rollover.js';
export { issueDueSchedules, orgsWithDueScheduleWork } from './service.js';
