import type { QueryClient } from '@tanstack/react-query';
import { api } from '../../api.js';
import { dayInZone } from '../../format.js';
import { firstOfMonth } from './days.js';

/**
 * The queries of the Usage page's first screen. Shared by the page and by
 * `prefetchUsage`, which starts them (and the page's code) while the page's
 * chunk is still on its way, instead of one after the other.
 */
export const usageQueries = {
  balance: (org: string) => ({ queryKey: ['balance', org], queryFn: () => api.balance(org) }),
  included: (org: string) => ({ queryKey: ['included', org], queryFn: () => api.includedUsage(org) }),
  breakdown: (org: string) => ({
    queryKey: ['breakdown', org, 'current'],
    queryFn: () => api.usageBreakdown(org, { period: 'current', by: 'category' }),
  }),
  daily: (org: string, from: string, to: string) => ({
    queryKey: ['series', org, 'daily', from, to],
    queryFn: () => api.usageSeries(org, { from, to, granularity: 'day' }),
  }),
};

export function prefetchUsage(client: QueryClient, org: string, timeZone: string): void {
  const today = dayInZone(new Date(), timeZone);
  void import('./UsagePage.js');
  void import('./UsageCharts.js');
  void client.prefetchQuery(usageQueries.balance(org));
  void client.prefetchQuery(usageQueries.included(org));
  void client.prefetchQuery(usageQueries.breakdown(org));
  void client.prefetchQuery(usageQueries.daily(org, firstOfMonth(today), today));
}
