import { z } from 'zod';

/** An event as the events list and corrections answer it: the one shape both routes declare. */
const EventOut = z.object({
  id: z.string(),
  meter: z.string(),
  quantity: z.string(),
  timestamp: z.string(),
  recorded_at: z.string(),
  user: z.string().nullable(),
  project: z.string().nullable(),
  resource_class: z.string().nullable(),
  job_id: z.string().nullable(),
  job_name: z.string().nullable(),
  properties: z.record(z.string(), z.unknown()).nullable(),
  cost_credits: z.string(),
  cost_usd: z.string().nullable(),
  overage: z.string(),
});

/** One void or amend of an event (src/modules/corrections). */
const CorrectionOut = z.object({
  kind: z.enum(['void', 'amend']),
  at: z.string(),
  actor: z.string(),
  before: z.record(z.string(), z.unknown()),
  after: z.record(z.string(), z.unknown()).nullable(),
  booked_in_period: z.string(),
  original_day: z.string(),
  closed_period: z.boolean(),
});

/** An event with its status and history of corrections, oldest first. */
export const CorrectedEventOut = EventOut.extend({
  status: z.enum(['active', 'voided', 'amended']),
  corrections: z.array(CorrectionOut),
});
