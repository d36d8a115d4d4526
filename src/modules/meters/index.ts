/** What other modules use of meters: an organization's effective meters (its own over the defaults). */
export { effectiveMeters } from './service.js';
export type { Meter } from './service.js';
