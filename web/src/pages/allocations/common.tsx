import { Badge } from '@mantine/core';
import type { Cadence, RequestStatus } from '../../../../src/client/index.js';
import { locale } from '../../api.js';
import { countOf } from '../../readable.js';

export const CADENCES: { value: Cadence; label: string }[] = [
  { value: 'calendar_month', label: 'Calendar month' },
  { value: '15d', label: '15 days' },
  { value: '1w', label: '1 week' },
  { value: '1d', label: '1 day' },
  { value: '12h', label: '12 hours' },
  { value: '1h', label: '1 hour' },
];

export const cadenceLabel = (c: Cadence) => CADENCES.find((x) => x.value === c)?.label ?? c;

export const REQUEST_STATUSES: { value: RequestStatus; label: string; color: string }[] = [
  { value: 'pending', label: 'Pending', color: 'yellow' },
  { value: 'approved', label: 'Approved', color: 'green' },
  { value: 'denied', label: 'Denied', color: 'red' },
  { value: 'auto_approved', label: 'Auto-Approved', color: 'teal' },
];

export function StatusBadge({ status }: { status: RequestStatus }) {
  const s = REQUEST_STATUSES.find((x) => x.value === status)!;
  return (
    <Badge color={s.color} variant="light" data-status={status}>
      {s.label}
    </Badge>
  );
}

/** "3 days 4 hours", "2 hours 5 minutes", "12 minutes" until an instant. */
export function timeLeft(endIso: string, now = Date.now()): string {
  let ms = Math.max(0, new Date(endIso).getTime() - now);
  const days = Math.floor(ms / 86_400_000);
  ms -= days * 86_400_000;
  const hours = Math.floor(ms / 3_600_000);
  ms -= hours * 3_600_000;
  const minutes = Math.floor(ms / 60_000);
  const part = (n: number, unit: string) => countOf(n, unit, `${unit}s`, locale);
  if (days > 0) return `${part(days, 'day')} ${part(hours, 'hour')}`;
  if (hours > 0) return `${part(hours, 'hour')} ${part(minutes, 'minute')}`;
  return part(minutes, 'minute');
}

/** Query keys of every figure on the Credits & Allocations page (the Refresh button reloads them all). */
export const allocationKeys = {
  overview: (org: string) => ['allocations', org] as const,
  cycle: (org: string) => ['cycle', org] as const,
  settings: (org: string) => ['settings', org] as const,
  groups: (org: string) => ['groups', org] as const,
  members: (org: string) => ['members', org] as const,
  requests: (org: string) => ['requests', org] as const,
  balance: (org: string) => ['balance', org] as const,
};
