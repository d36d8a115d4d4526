import { z } from 'zod';
import type { NotificationType } from './types.js';

/**
 * Every notification Tally sends (webhook `type`, email), with when it fires
 * and its `data` payload. types.ts derives the subscribable list from it and
 * docs/webhooks.md is generated from it (`npm run docs:webhooks`), so the
 * catalogue cannot drift from what the outbox sends.
 */
const Amount = z.string().describe('exact decimal string, e.g. "12.5"');
const OrgId = z.string().describe('the organization');
const Rule = {
  org_id: OrgId,
  rule_id: z.string().describe('the alert rule that fired'),
  status: z.enum(['firing', 'resolved']).describe('"firing" once per crossing, "resolved" once when it clears'),
  subject: z.string().describe('what the rule watched: "org", "member:<id>", "group:<id>", "project:<name>" or "block:<id>"'),
};
const Resource = (what: string) => z.looseObject({}).describe(`${what}, as the API returns it`);

export interface CatalogueEntry {
  when: string;
  data: z.ZodObject;
}

export const NOTIFICATION_CATALOGUE = {
  'balance.low': {
    when: 'Available credit falls below a low-credit threshold (once per crossing).',
    data: z.object({
      org_id: OrgId,
      threshold_id: z.string(),
      threshold: z.object({ credits: Amount.optional(), pct_of_included: z.number().optional() }),
      level: Amount.describe('the threshold in credits at that moment'),
      available: Amount,
    }),
  },
  'balance.low_resolved': {
    when: 'Available credit is back at or above a threshold that had fired.',
    data: z.object({ org_id: OrgId, threshold_id: z.string(), threshold: z.object({ credits: Amount.optional(), pct_of_included: z.number().optional() }), level: Amount, available: Amount }),
  },
  'grant.created': { when: 'A grant is created (any source).', data: z.object({ org_id: OrgId, grant: Resource('the grant') }) },
  'grant.expired': { when: 'The expiry of a grant’s block is booked by the expiry job.', data: z.object({ org_id: OrgId, grant_id: z.string() }) },
  'grant.depleted': {
    when: 'A grant’s last credit was used (every block started, none left, nothing expired).',
    data: z.object({ org_id: OrgId, grant_id: z.string(), name: z.string(), source: z.string() }),
  },
  'request.created': { when: 'A member files a credit request.', data: z.object({ org_id: OrgId, request: Resource('the credit request') }) },
  'request.decided': { when: 'A credit request is approved, auto-approved or denied.', data: z.object({ org_id: OrgId, request: Resource('the credit request') }) },
  'purchase.paid': {
    when: 'A credit purchase is confirmed paid and its credit becomes available.',
    data: z.object({ org_id: OrgId, purchase: Resource('the purchase'), overage_repaid: Amount }),
  },
  'auto_recharge.failed': {
    when: 'An auto-recharge payment fails; auto-recharge retries after its cooldown.',
    data: z.object({ org_id: OrgId, purchase_id: z.string(), amount: Amount, reason: z.string() }),
  },
  'statement.closed': { when: 'A billing period closes into a stored statement.', data: z.object({ org_id: OrgId, period: z.string(), statement: Resource('the statement') }) },
  'invoice.issued': { when: 'A period’s invoice is issued at period close.', data: z.object({ org_id: OrgId, period: z.string(), invoice_id: z.string() }) },
  'runway.low': {
    when: 'Alert rule: the forecast run-out date falls within the rule’s `days` (fires once; resolves when it no longer does).',
    data: z.object({ ...Rule, days: z.number(), run_out_date: z.string().nullable(), available: Amount, burn_per_day: Amount.describe('mean daily usage of the last 30 days') }),
  },
  'grant.expiring': {
    when: 'Alert rule: credit of a block is projected to expire unused within the rule’s `days` (one notice per block).',
    data: z.object({ ...Rule, days: z.number(), grant_id: z.string(), block_id: z.string(), amount: Amount.describe('credit projected to expire unused'), expires_at: z.string() }),
  },
  'usage.spike': {
    when: 'Alert rule: today’s usage of the organization, a member or a project exceeds `factor` × its trailing 14-day median (and `min_credits`).',
    data: z.object({ ...Rule, scope: z.enum(['org', 'member', 'project']), date: z.string(), credits: Amount, median: Amount, factor: z.number(), min_credits: Amount }),
  },
  'allocation.low': {
    when: 'Alert rule: a member’s or group’s remaining allocation for the cycle falls below the rule’s level (resolves at the next cycle or a top-up).',
    data: z.object({ ...Rule, scope: z.string(), cycle_id: z.string(), remaining: Amount, allocation: Amount, level: Amount }),
  },
  'cap.threshold': {
    when: 'A spend cap’s use this window crosses one of its `notify_at_percent` levels (block caps: when reached); once per crossing per window.',
    data: z.object({
      org_id: OrgId,
      cap_id: z.string(),
      scope: z.string().describe('"org", "group:<id>", "member:<id>", "project:<name>", "api_key:<id>" or "meter:<key>"'),
      window: z.enum(['1d', '1w', 'calendar_month', 'cycle']),
      window_start: z.string(),
      window_end: z.string(),
      mode: z.enum(['notify', 'block']),
      percent: z.number().describe('the level crossed, in percent of the limit'),
      limit: Amount,
      used: Amount,
      remaining: Amount,
      reached: z.boolean().describe('used has reached the limit'),
    }),
  },
} as const satisfies Record<NotificationType, CatalogueEntry>;
