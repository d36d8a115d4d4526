/** What other modules use of the plan: an organization's plan, which the real-time path caches; its admission hook and setting it (wiring, demo). */
export { findPlan } from './queries.js';
export { planAdmission, putPlan } from './service.js';
