import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** Prometheus metrics served at /metrics. */
export const metrics = {
  registry,
  httpRequests: new Counter({
    name: 'tally_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'status'],
    registers: [registry],
  }),
  httpDuration: new Histogram({
    name: 'tally_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  }),
  jobFailures: new Counter({
    name: 'tally_job_failures_total',
    help: 'Scheduled job failures: a whole job (scope=job) or one organization inside a job (scope=organization)',
    labelNames: ['job', 'scope'],
    registers: [registry],
  }),
  events: new Counter({
    name: 'tally_events_total',
    help: 'Usage events by ingest result',
    labelNames: ['status'],
    registers: [registry],
  }),
};
