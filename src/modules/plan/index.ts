/** What other modules use of the plan: an organization's plan, which the real-time path caches. */
export { findPlan } from './service.js';
