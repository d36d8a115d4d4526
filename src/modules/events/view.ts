import { sql } from 'drizzle-orm';
import { formatMicro } from '../../domain/money.js';

/** An event row as the events list, the export and corrections read it (EVENT_COLUMNS). */
export interface EventRow {
  id: string;
  meter: string;
  quantity: bigint;
  timestamp: Date;
  recordedAt: Date;
  userId: string | null;
  project: string | null;
  resourceClass: string | null;
  jobId: string | null;
  jobName: string | null;
  properties: Record<string, unknown> | null;
  costCredits: bigint;
  costUsd: bigint | null;
  overage: bigint;
}

export function eventView(e: EventRow) {
  return {
    id: e.id,
    meter: e.meter,
    quantity: formatMicro(BigInt(e.quantity)),
    timestamp: new Date(e.timestamp).toISOString(),
    recorded_at: new Date(e.recordedAt).toISOString(),
    user: e.userId,
    project: e.project,
    resource_class: e.resourceClass,
    job_id: e.jobId,
    job_name: e.jobName,
    properties: e.properties,
    cost_credits: formatMicro(BigInt(e.costCredits)),
    cost_usd: e.costUsd === null ? null : formatMicro(BigInt(e.costUsd)),
    overage: formatMicro(BigInt(e.overage)),
  };
}

export const EVENT_COLUMNS = sql`id, meter, quantity, timestamp, recorded_at as "recordedAt", user_id as "userId", project,
  resource_class as "resourceClass", job_id as "jobId", job_name as "jobName", properties, cost_credits as "costCredits",
  cost_usd as "costUsd", overage`;
