import type { z } from 'zod';
import type { CapOut } from '../../../../src/modules/caps/routes.js';
import { api } from '../../api.js';

/** The spend-cap calls of the dashboard (SPEC §3.16), on the shared client's request path. */
export type Cap = z.output<typeof CapOut>;
export type CapWindow = Cap['window'];
export type CapMode = Cap['mode'];

export interface NewCap {
  scope: string;
  window: CapWindow;
  limit: string;
  mode: CapMode;
  notify_at_percent?: number[];
}

const base = (org: string) => `/v1/orgs/${encodeURIComponent(org)}/caps`;

export const capsApi = {
  list: (org: string) => api.request<{ data: Cap[] }>('GET', base(org)),
  /** the caps that limit the signed-in person's own usage */
  mine: (org: string) => api.request<{ data: Cap[] }>('GET', `${base(org)}?binding=me`),
  create: (org: string, body: NewCap) => api.request<Cap>('POST', base(org), body),
  update: (org: string, id: string, body: Partial<Omit<NewCap, 'scope'>>) =>
    api.request<Cap>('PATCH', `${base(org)}/${encodeURIComponent(id)}`, body),
  remove: (org: string, id: string) => api.request<{ id: string; deleted: true }>('DELETE', `${base(org)}/${encodeURIComponent(id)}`),
};

export const capKeys = { list: (org: string) => ['caps', org] as const, mine: (org: string) => ['caps', org, 'mine'] as const };

export const WINDOW_LABEL: Record<CapWindow, string> = {
  '1d': 'Per day',
  '1w': 'Per week',
  calendar_month: 'Per calendar month',
  cycle: 'Per credit cycle',
};
