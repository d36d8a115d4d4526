import { z } from 'zod';
import type { Q } from '../../db/client.js';
import { NonNegativeAmount } from '../../amounts.js';
import type { BudgetState } from '../allocations/index.js';
import type { ScopedForecast } from '../forecast/index.js';
import type { OrgRow } from '../orgs/index.js';

/**
 * Alert rules (SPEC §3.17) beside the low-balance thresholds. Each rule type
 * is one entry of RULE_TYPES with its input schema and an evaluator; the
 * engine (rule-engine.ts) keeps one armed/fired state per rule and subject,
 * so a new type (e.g. cap.threshold) only adds an entry here.
 */

const Days = z.number().int().min(1).max(366);
const Factor = z
  .number()
  .gt(1)
  .max(1000)
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9, { message: 'must have at most 2 decimal places' });
const Pct = z.number().gt(0).max(100);
const AllocationScope = z
  .string()
  .regex(/^(members|groups|(member|group):[A-Za-z0-9_-]{1,64})$/, 'must be "members", "groups", "member:<id>" or "group:<id>"');

export const RuleIn = z.discriminatedUnion('type', [
  z.object({ type: z.literal('runway.low'), days: Days.meta({ description: 'fires when the forecast run-out date is within this many days' }) }).strict(),
  z.object({ type: z.literal('grant.expiring'), days: Days.meta({ description: 'fires for credit projected to expire unused within this many days' }) }).strict(),
  z
    .object({
      type: z.literal('usage.spike'),
      scope: z.enum(['org', 'member', 'project']),
      factor: Factor.meta({ description: "fires when a day's usage exceeds factor × the trailing 14-day median" }),
      min_credits: NonNegativeAmount.optional().meta({ description: 'a day below this never counts as a spike (default 0)' }),
    })
    .strict(),
  z
    .object({
      type: z.literal('allocation.low'),
      scope: AllocationScope,
      credits: NonNegativeAmount.optional(),
      percent: Pct.optional(),
    })
    .strict()
    .refine((r) => (r.credits === undefined) !== (r.percent === undefined), { message: 'give exactly one of credits or percent' }),
]);

export type RuleInput = z.infer<typeof RuleIn>;
export type RuleType = RuleInput['type'];
export const RULE_TYPES = ['runway.low', 'grant.expiring', 'usage.spike', 'allocation.low'] as const satisfies readonly RuleType[];

/** A stored rule: its settings as JSON (amounts as decimal strings). */
export interface RuleRow {
  id: string;
  type: string;
  config: Record<string, unknown>;
}

/** What an evaluator sees of one subject now: whether the condition holds, and the figures of the notice. */
export interface Observation {
  subject: string;
  firing: boolean;
  data: Record<string, unknown>;
}

export interface RuleContext {
  tx: Q;
  org: OrgRow;
  now: Date;
  /** the organization's forecast, computed at most once per evaluation */
  orgForecast: () => Promise<ScopedForecast>;
  /** the allocation figures of the current cycle, read at most once per evaluation */
  budget: () => Promise<BudgetState>;
}

export type Evaluator = (c: RuleContext, config: Record<string, unknown>) => Promise<Observation[]>;
