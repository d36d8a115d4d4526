import type { z } from 'zod';
import type { CostsOut } from '../../../../src/modules/costs/routes.js';
import type { ForecastOut } from '../../../../src/modules/forecast/routes.js';
import { api } from '../../api.js';

export type Forecast = z.output<typeof ForecastOut>;
export type Costs = z.output<typeof CostsOut>;

/** The forecast of a scope ("org", "group:<id>", "member:<id>"). */
export const forecastQuery = (orgId: string, scope = 'org', horizonDays = 90) => ({
  queryKey: ['forecast', orgId, scope, horizonDays],
  queryFn: () => api.request<Forecast>('GET', `/v1/orgs/${orgId}/forecast?scope=${encodeURIComponent(scope)}&horizon_days=${horizonDays}`),
});

export const costsPath = (orgId: string, q: { from: string; to: string; by: string; interval: string }, csv = false) =>
  `/v1/orgs/${orgId}/costs${csv ? '/export.csv' : ''}?${new URLSearchParams(q).toString()}`;
