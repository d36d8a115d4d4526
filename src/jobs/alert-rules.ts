import { evaluateAllRules } from '../modules/alerts/index.js';
import type { Job } from './job.js';

/** Evaluates the alert rules (runway, expiring credit, spikes, allocations) of every organization that has some (SPEC §3.17). */
export const alertRulesJob: Job = {
  name: 'alert-rules',
  run: (ctx) => evaluateAllRules(ctx),
};
