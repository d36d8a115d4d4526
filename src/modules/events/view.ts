import { formatMicro } from '../../domain/money.js';

/** An event row as the events list, the export and corrections read it (mapped in queries.ts). */
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
