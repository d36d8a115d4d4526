/** What other modules use of meters: an organization's effective meters (its own over the defaults); a platform meter set (the demo). */
export { effectiveMeters, putPlatformMeter } from './service.js';
export type { Meter, MeterInput } from './service.js';
