import { evaluateAllCapAlerts } from '../modules/caps/index.js';
import type { Job } from './job.js';

/** Spend-cap threshold alerts (SPEC §3.16): once per crossing of each percent, in each cap's current window. */
export const capAlertJob: Job = {
  name: 'cap-alerts',
  run: (ctx) => evaluateAllCapAlerts(ctx),
};
