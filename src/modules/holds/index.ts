/** What the rest of the application uses of holds: the hold-expiry job's walk and work. */
export { expireHolds, orgsWithExpiredHolds } from './service.js';
