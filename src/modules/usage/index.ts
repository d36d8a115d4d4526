/** What other modules use of usage: usage by meter and the latest gauge reading, which the plan compares with its allowances. */
export { latestGauge, usageByMeter } from './service.js';
