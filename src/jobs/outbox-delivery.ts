import { deliverDue } from '../modules/outbox/index.js';
import type { Job } from './job.js';

/** Sends due webhooks and emails from the outbox, with backoff between attempts. */
export const outboxDeliveryJob: Job = {
  name: 'outbox-delivery',
  run: (ctx) => deliverDue(ctx),
};
