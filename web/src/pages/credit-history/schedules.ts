import { api, locale } from '../../api.js';
import { countOf } from '../../readable.js';

/** GET /v1/orgs/{org}/grant-schedules (issue 15); typed here until the generated client covers it. */
export interface GrantSchedule {
  id: string;
  name: string;
  source: string;
  amount: string;
  cadence: string;
  anchor: string;
  expires_after: string | null;
  priority: number;
  rollover: { max_amount: string | null; max_percent: number | null; expires_after: string | null; priority: number | null } | null;
  ends_at: string | null;
  status: 'active' | 'ended';
  next_issue_at: string | null;
  issued: { period_start: string; period_end: string; grant_id: string; rolled_over: string | null; rollover_grant_id: string | null }[];
}

export const fetchSchedules = (org: string) =>
  api.request<{ data: GrantSchedule[] }>('GET', `/v1/orgs/${encodeURIComponent(org)}/grant-schedules`).then((r) => r.data);

const CADENCE: Record<string, string> = {
  calendar_month: 'Every month',
  '15d': 'Every 15 days',
  '1w': 'Every week',
  '1d': 'Every day',
  '12h': 'Every 12 hours',
  '1h': 'Every hour',
};

export const cadenceLabel = (cadence: string) => CADENCE[cadence] ?? cadence;

const UNIT: Record<string, [string, string]> = { h: ['hour', 'hours'], d: ['day', 'days'], w: ['week', 'weeks'], mo: ['month', 'months'] };

/** "30d" → "30 days" */
export function durationLabel(duration: string): string {
  const m = /^(\d+)(h|d|w|mo)$/.exec(duration);
  if (!m) return duration;
  const n = Number(m[1]);
  const [one, many] = UNIT[m[2]!]!;
  return countOf(n, one, many, locale);
}
