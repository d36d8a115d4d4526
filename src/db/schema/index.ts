export * from './ledger.js';
export * from './usage.js';
export * from './notifications.js';
export * from './auth.js';
export * from './allocations.js';
export * from './billing.js';
export * from './caps.js';
export * from './schedules.js';
