/**
 * Response shapes of APIs that are built on other branches (statements,
 * invoices, usage analytics, plan usage: issue 4). They follow the issue's
 * contract. When those modules are merged, replace each interface with
 * `z.output<typeof …>` of the route schema, as index.ts does for the rest.
 */
export interface StatementPeriod {
  period: string;
  status: 'open' | 'closed';
  starts_at: string;
  ends_at: string;
}

export interface StatementDay {
  date: string;
  top_ups: string;
  credits_used: string;
  expired: string;
  balance: string;
}

export interface Statement extends StatementPeriod {
  summary: {
    brought_forward: string;
    purchased: string;
    granted: string;
    adjustments: string;
    consumed: string;
    expired: string;
    closing: string;
  };
  days: StatementDay[];
}

export interface JobLine {
  job_id: string;
  name: string;
  project: string | null;
  user: string | null;
  resource_class: string | null;
  credits_used: string;
}

export interface InvoiceLine {
  meter: string;
  description: string;
  quantity: string;
  unit: string;
  unit_price_usd: string;
  amount_usd: string;
}

export interface Invoice {
  id: string;
  status: 'draft' | 'issued' | 'paid' | 'void';
  period: string;
  starts_at: string;
  ends_at: string;
  lines: InvoiceLine[];
  subtotal_usd: string;
  credits_applied: string;
  credits_applied_usd: string;
  amount_due_usd: string;
  issued_at: string | null;
  paid_at: string | null;
  voided_at: string | null;
}

export interface UsageBreakdown {
  period: string;
  by: string;
  total_credits: string;
  data: { key: string | null; label: string; credits: string; share: number; count: string; count_unit: string }[];
}

export interface UsageSeries {
  granularity: 'day' | 'hour';
  from: string;
  to: string;
  time_zone: string;
  series: {
    meter: string;
    name: string;
    unit: string;
    aggregation: string;
    total_credits: string;
    points: { t: string; credits: string; quantity: string; events: number }[];
  }[];
}

export interface IncludedUsage {
  period: string;
  granted: string;
  used: string;
  remaining: string;
  pct_used: number;
  days_left: number;
  period_ends_at: string;
}

export interface PlanUsageRow {
  key: string;
  label: string;
  used: string;
  limit: string | null;
  unlimited: boolean;
  unit: string;
  pct: number | null;
}

export interface PlanUsage {
  plan: string | null;
  data: PlanUsageRow[];
}
