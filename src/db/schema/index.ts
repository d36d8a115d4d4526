export * from './ledger.js';
export * from './usage.js';
