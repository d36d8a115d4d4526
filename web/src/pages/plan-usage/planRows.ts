import type { PlanUsageRow } from '../../../../src/client/index.js';
import { formatMicro, parseMicro } from '../../../../src/domain/money.js';
import { quantityOf } from '../../../../src/domain/display.js';
import { formatAmount } from '../../format.js';

export interface PlanLine {
  key: string;
  title: string;
  label: string;
  /** 0–100, or null when the bar is hidden (no cap, or unlimited) */
  bar: number | null;
}

const BUILT_IN = ['credits', 'storage', 'deployments', 'seats'];

/** Bars are drawn from exact decimals; only the bar's width becomes a float. */
function share(part: bigint, whole: bigint): number {
  if (whole <= 0n) return 0;
  const clamped = part < 0n ? 0n : part > whole ? whole : part;
  return Number((clamped * 10_000n) / whole) / 100;
}

/** The label forms of SPEC §6.3, one per row. */
export function planLine(row: PlanUsageRow, locale: string): PlanLine {
  const used = parseMicro(row.used);
  const limit = row.limit === null ? null : parseMicro(row.limit);
  const n = (micro: bigint) => formatAmount(formatMicro(micro), locale, { maxFraction: 2 });
  const capped = !row.unlimited && limit !== null;
  switch (row.key) {
    case 'credits': {
      if (!capped) return { key: row.key, title: 'Training credits', label: 'Unlimited training credits remaining', bar: null };
      const remaining = limit - used < 0n ? 0n : limit - used;
      return { key: row.key, title: 'Training credits', label: `${n(remaining)} of ${n(limit)} training credits remaining`, bar: share(remaining, limit) };
    }
    case 'storage':
      return {
        key: row.key,
        title: 'Storage',
        label: capped ? `${n(used)}GB of ${n(limit)}GB storage used` : `${n(used)}GB storage used`,
        bar: capped ? share(used, limit) : null,
      };
    case 'deployments':
      return {
        key: row.key,
        title: 'Deployments',
        label: capped ? `${n(used)} of ${n(limit)} deployments used` : `${quantityOf(formatMicro(used), 'deployments', locale, { maxFraction: 2 })} used`,
        bar: capped ? share(used, limit) : null,
      };
    case 'seats':
      return {
        key: row.key,
        title: 'Member seats',
        label: capped ? `${n(used)} of ${n(limit)} seats used` : `${quantityOf(formatMicro(used), 'seats', locale, { maxFraction: 2 })} used`,
        bar: capped ? share(used, limit) : null,
      };
    default:
      return {
        key: row.key,
        title: row.label,
        label: capped ? `${n(used)} of ${n(limit)} ${row.unit} used` : `${n(used)} ${row.unit} used`,
        bar: capped ? share(used, limit) : null,
      };
  }
}

export const isPlanRow = (row: PlanUsageRow) => BUILT_IN.includes(row.key);
export const isAllowance = (row: PlanUsageRow) => !BUILT_IN.includes(row.key);
