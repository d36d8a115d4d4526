import { z } from 'zod';
import { CYCLE_CADENCES } from '../../domain/cycles.js';
import { AmountOut } from '../../amounts.js';

export const Cadence = z.enum(CYCLE_CADENCES);
export const MemberRole = z.enum(['owner', 'billing_admin', 'manager', 'member']);

export const SettingsOut = z.object({
  credits_per_cycle: AmountOut.nullable().meta({ description: 'account credit limit per cycle; null = no limit' }),
  cycle_cadence: Cadence,
  credit_factor: AmountOut,
  credits_per_new_user: AmountOut,
  capture_excess_pct: z.number(),
  timezone: z.string(),
  updated_at: z.string(),
});

export const CycleOut = z.object({
  id: z.string(),
  starts_at: z.string(),
  ends_at: z.string(),
  closed_at: z.string().nullable(),
  cadence: Cadence,
  credits_per_cycle: AmountOut.nullable(),
  used: AmountOut,
  held: AmountOut,
  available: AmountOut.nullable(),
  usage_pct: z.string().nullable(),
});

export const GroupOut = z.object({
  id: z.string(),
  name: z.string(),
  is_default: z.boolean(),
  members: z.number(),
  monthly_allocation: AmountOut,
  extra: AmountOut,
  distributed: AmountOut,
  available: AmountOut,
  auto_approve_reserve: AmountOut,
  auto_approve_remaining: AmountOut,
  used: AmountOut,
  held: AmountOut,
  created_at: z.string(),
  updated_at: z.string(),
});

export const MemberOut = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: MemberRole,
  group_id: z.string(),
  monthly: AmountOut.nullable().meta({ description: 'individual allocation; null = draws on the group pool' }),
  extra: AmountOut,
  used: AmountOut,
  held: AmountOut,
  remaining: AmountOut,
  managed_group_ids: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
