import type { z } from 'zod';
import type { EmbedSessionOut, EmbedTokenOut, LoginBody, SessionOut } from '../modules/auth/routes.js';
import type { BalanceOut } from '../modules/balance/routes.js';
import type { EventOut, IngestBody, IngestResponse } from '../modules/events/routes.js';
import type { GrantOut, LedgerEntryOut, LedgerSummaryRowOut } from '../modules/grants/routes.js';
import type { MeterOut } from '../modules/meters/routes.js';
import type { OrgOut } from '../modules/orgs/routes.js';
import type { AlertsOut } from '../modules/alerts/routes.js';
import type { CycleOut, GroupOut, MemberOut, SettingsOut } from '../modules/allocations/schemas.js';
import type { AuditOut } from '../modules/audit/routes.js';
import type { AutoRechargeOut, PurchaseOut } from '../modules/purchases/routes.js';
import type { RequestOut } from '../modules/requests/routes.js';
import type { DeliveryOut, EndpointOut, EventType } from '../modules/webhooks/routes.js';
import type { InvoiceOut } from '../modules/invoices/routes.js';
import type { PlanUsageOut } from '../modules/plan/routes.js';
import type { JobLineOut, PeriodOut, StatementOut } from '../modules/statements/routes.js';
import type { BreakdownOut, IncludedOut, SeriesOut } from '../modules/usage/routes.js';


/**
 * The typed client of Tally's HTTP API, used by the CLI and the dashboard.
 * Request and response types come from the same zod schemas the server
 * validates with, so nothing is typed twice. This file imports types only:
 * it runs in Node and in the browser.
 */
export type IngestRequest = z.input<typeof IngestBody>;
export type IngestResult = z.output<typeof IngestResponse>;
export type Org = z.output<typeof OrgOut>;
export type Balance = z.output<typeof BalanceOut>;
export type Grant = z.output<typeof GrantOut>;
export type LedgerEntry = z.output<typeof LedgerEntryOut>;
export type LedgerSummaryRow = z.output<typeof LedgerSummaryRowOut>;
export type UsageEvent = z.output<typeof EventOut>;
export type Meter = z.output<typeof MeterOut>;
export type Session = z.output<typeof SessionOut>;
export type EmbedSession = z.output<typeof EmbedSessionOut>;
export type EmbedToken = z.output<typeof EmbedTokenOut>;
export type LoginRequest = z.input<typeof LoginBody>;
export type Role = Session['role'];
export type StatementPeriod = z.output<typeof PeriodOut>;
export type Statement = z.output<typeof StatementOut>;
export type StatementDay = Statement['days'][number];
export type JobLine = z.output<typeof JobLineOut>;
export type Invoice = z.output<typeof InvoiceOut>;
export type InvoiceLine = Invoice['lines'][number];
export type UsageBreakdown = z.output<typeof BreakdownOut>;
export type UsageSeries = z.output<typeof SeriesOut>;
export type IncludedUsage = z.output<typeof IncludedOut>;
export type PlanUsage = z.output<typeof PlanUsageOut>;
export type PlanUsageRow = PlanUsage['data'][number];
export type GrantListStatus = 'in_use' | 'pending' | 'expired' | 'all';
export type Cycle = z.output<typeof CycleOut>;
export type OrgSettings = z.output<typeof SettingsOut>;
export type Cadence = OrgSettings['cycle_cadence'];
export type AllocGroup = z.output<typeof GroupOut>;
export type Member = z.output<typeof MemberOut>;
export type CreditRequest = z.output<typeof RequestOut>;
export type RequestStatus = CreditRequest['status'];
export type AuditEntry = z.output<typeof AuditOut>;
export type Alerts = z.output<typeof AlertsOut>;
export type AlertThresholdInput = { credits: string } | { pct_of_included: number };
export type WebhookEndpoint = z.output<typeof EndpointOut>;
export type WebhookEventType = z.output<typeof EventType>;
export type WebhookDelivery = z.output<typeof DeliveryOut>;
export type Purchase = z.output<typeof PurchaseOut>;
export type AutoRecharge = z.output<typeof AutoRechargeOut>;
export interface AllocationOverview {
  cycle: Cycle;
  balance: string;
  seats: number;
  groups: AllocGroup[];
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export class TallyApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  baseUrl: string;
  key?: string | undefined;
  fetch?: typeof fetch;
  /** extra headers per request (the dashboard's session bearer or CSRF token) */
  headers?: () => Record<string, string>;
}

type Query = Record<string, string | number | boolean | undefined>;

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

const o = (org: string) => `/v1/orgs/${encodeURIComponent(org)}`;
const seg = encodeURIComponent;

export class TallyClient {
  private readonly fetcher: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await this.fetcher(new URL(path, this.options.baseUrl), {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.options.key ? { authorization: `Bearer ${this.options.key}` } : {}),
        ...(this.options.headers?.() ?? {}),
        ...headers,
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; request_id?: string } } | undefined)?.error;
      throw new TallyApiError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}`, error?.request_id);
    }
    return parsed as T;
  }

  /** A GET returning raw text (CSV exports). */
  async text(path: string): Promise<string> {
    const response = await this.fetcher(new URL(path, this.options.baseUrl), {
      headers: { ...(this.options.key ? { authorization: `Bearer ${this.options.key}` } : {}), ...(this.options.headers?.() ?? {}) },
    });
    const text = await response.text();
    if (!response.ok) throw new TallyApiError(response.status, 'http_error', text.slice(0, 300));
    return text;
  }

  ingestEvents(events: IngestRequest['events']): Promise<IngestResult> {
    return this.request('POST', '/v1/events', { events });
  }

  // Dashboard sessions
  login(body: LoginRequest): Promise<Session> {
    return this.request('POST', '/v1/auth/login', body);
  }
  logout(): Promise<void> {
    return this.request('POST', '/v1/auth/logout');
  }
  session(): Promise<Session> {
    return this.request('GET', '/v1/auth/session');
  }
  openEmbed(token: string): Promise<EmbedSession> {
    return this.request('POST', '/v1/auth/embed', { token });
  }
  createEmbedToken(org: string, member: string, ttlSeconds: number): Promise<EmbedToken> {
    return this.request('POST', `${o(org)}/embed-tokens`, { member, ttl_seconds: ttlSeconds });
  }

  // Ledger
  org(org: string): Promise<Org> {
    return this.request('GET', o(org));
  }
  balance(org: string, at?: string): Promise<Balance> {
    return this.request('GET', withQuery(`${o(org)}/balance`, { at }));
  }
  grants(org: string, query: { status?: GrantListStatus; limit?: number; cursor?: string | undefined } = {}): Promise<Page<Grant>> {
    return this.request('GET', withQuery(`${o(org)}/grants`, query));
  }
  grant(org: string, grant: string): Promise<Grant> {
    return this.request('GET', `${o(org)}/grants/${seg(grant)}`);
  }
  grantLedger(org: string, grant: string, query: { limit?: number; cursor?: string | undefined; day?: string } = {}): Promise<Page<LedgerEntry>> {
    return this.request('GET', withQuery(`${o(org)}/grants/${seg(grant)}/ledger`, query));
  }
  grantLedgerSummary(org: string, grant: string): Promise<{ data: LedgerSummaryRow[] }> {
    return this.request('GET', `${o(org)}/grants/${seg(grant)}/ledger/summary`);
  }
  events(
    org: string,
    query: { from?: string; to?: string; meter?: string; user?: string; project?: string; limit?: number; cursor?: string | undefined } = {},
  ): Promise<Page<UsageEvent>> {
    return this.request('GET', withQuery(`${o(org)}/events`, query));
  }
  meters(org: string): Promise<{ data: Meter[] }> {
    return this.request('GET', `${o(org)}/meters`);
  }

  // Statements, invoices, usage analytics, plan (issue 4 contract)
  statements(org: string): Promise<{ data: StatementPeriod[] }> {
    return this.request('GET', `${o(org)}/statements`);
  }
  statement(org: string, period: string): Promise<Statement> {
    return this.request('GET', `${o(org)}/statements/${seg(period)}`);
  }
  dayJobs(org: string, period: string, date: string, query: { limit?: number; cursor?: string | undefined } = {}): Promise<Page<JobLine>> {
    return this.request('GET', withQuery(`${o(org)}/statements/${seg(period)}/days/${seg(date)}/jobs`, query));
  }
  statementCsv(org: string, period: string, lines: 'daily' | 'jobs'): Promise<string> {
    return this.text(withQuery(`${o(org)}/statements/${seg(period)}/export.csv`, { lines }));
  }
  invoices(org: string, query: { limit?: number; cursor?: string | undefined } = {}): Promise<Page<Invoice>> {
    return this.request('GET', withQuery(`${o(org)}/invoices`, query));
  }
  invoice(org: string, invoice: string): Promise<Invoice> {
    return this.request('GET', `${o(org)}/invoices/${seg(invoice)}`);
  }
  usageBreakdown(org: string, query: { period?: string; by?: string } = {}): Promise<UsageBreakdown> {
    return this.request('GET', withQuery(`${o(org)}/usage/breakdown`, query));
  }
  usageSeries(
    org: string,
    query: { from?: string; to?: string; granularity?: 'day' | 'hour'; meter?: string; include_zero?: boolean } = {},
  ): Promise<UsageSeries> {
    return this.request('GET', withQuery(`${o(org)}/usage/series`, query));
  }
  includedUsage(org: string): Promise<IncludedUsage> {
    return this.request('GET', `${o(org)}/usage/included`);
  }
  planUsage(org: string): Promise<PlanUsage> {
    return this.request('GET', `${o(org)}/plan/usage`);
  }

  // Cycles, settings, groups, members, credit requests (issue 7 dashboard)
  settings(org: string): Promise<OrgSettings> {
    return this.request('GET', `${o(org)}/settings`);
  }
  updateSettings(
    org: string,
    body: { credits_per_cycle?: string | null; cycle_cadence?: Cadence; credit_factor?: string; credits_per_new_user?: string },
  ): Promise<OrgSettings> {
    return this.request('PATCH', `${o(org)}/settings`, body);
  }
  cycle(org: string): Promise<Cycle> {
    return this.request('GET', `${o(org)}/cycle`);
  }
  resetCycle(org: string): Promise<Cycle> {
    return this.request('POST', `${o(org)}/cycle/reset`);
  }
  allocations(org: string): Promise<AllocationOverview> {
    return this.request('GET', `${o(org)}/allocations`);
  }
  groups(org: string): Promise<{ data: AllocGroup[] }> {
    return this.request('GET', `${o(org)}/groups`);
  }
  updateGroup(org: string, group: string, body: { monthly_allocation?: string; extra?: string; auto_approve_reserve?: string }): Promise<AllocGroup> {
    return this.request('PATCH', `${o(org)}/groups/${seg(group)}`, body);
  }
  members(org: string, query: { group?: string | undefined; search?: string | undefined; limit?: number; cursor?: string | undefined } = {}): Promise<Page<Member>> {
    return this.request('GET', withQuery(`${o(org)}/members`, query));
  }
  member(org: string, member: string): Promise<Member> {
    return this.request('GET', `${o(org)}/members/${seg(member)}`);
  }
  updateMember(org: string, member: string, body: { monthly?: string | null; extra?: string }): Promise<Member> {
    return this.request('PATCH', `${o(org)}/members/${seg(member)}`, body);
  }
  requests(org: string, query: { status?: RequestStatus | undefined; limit?: number; cursor?: string | undefined } = {}): Promise<Page<CreditRequest>> {
    return this.request('GET', withQuery(`${o(org)}/requests`, query));
  }
  createRequest(org: string, body: { amount: string; reason: string; member?: string }): Promise<CreditRequest> {
    return this.request('POST', `${o(org)}/requests`, body);
  }
  approveRequest(org: string, id: string, body: { amount?: string; note?: string } = {}): Promise<CreditRequest> {
    return this.request('POST', `${o(org)}/requests/${seg(id)}/approve`, body);
  }
  denyRequest(org: string, id: string, body: { note?: string } = {}): Promise<CreditRequest> {
    return this.request('POST', `${o(org)}/requests/${seg(id)}/deny`, body);
  }

  // Audit, alerts, webhooks, purchases, auto-recharge
  audit(org: string, query: { action?: string | undefined; actor?: string | undefined; limit?: number; cursor?: string | undefined } = {}): Promise<Page<AuditEntry>> {
    return this.request('GET', withQuery(`${o(org)}/audit`, query));
  }
  alerts(org: string): Promise<Alerts> {
    return this.request('GET', `${o(org)}/alerts`);
  }
  putAlerts(org: string, body: { thresholds: AlertThresholdInput[]; emails: string[] }): Promise<Alerts> {
    return this.request('PUT', `${o(org)}/alerts`, body);
  }
  webhooks(org: string): Promise<{ data: WebhookEndpoint[] }> {
    return this.request('GET', `${o(org)}/webhooks`);
  }
  createWebhook(org: string, body: { url: string; events: WebhookEventType[]; enabled?: boolean }): Promise<WebhookEndpoint & { secret: string }> {
    return this.request('POST', `${o(org)}/webhooks`, body);
  }
  updateWebhook(org: string, id: string, body: { enabled?: boolean }): Promise<WebhookEndpoint> {
    return this.request('PATCH', `${o(org)}/webhooks/${seg(id)}`, body);
  }
  deleteWebhook(org: string, id: string): Promise<void> {
    return this.request('DELETE', `${o(org)}/webhooks/${seg(id)}`);
  }
  webhookDeliveries(org: string, id: string, query: { limit?: number; cursor?: string | undefined } = {}): Promise<Page<WebhookDelivery>> {
    return this.request('GET', withQuery(`${o(org)}/webhooks/${seg(id)}/deliveries`, query));
  }
  purchases(org: string, query: { status?: Purchase['status']; limit?: number; cursor?: string | undefined } = {}): Promise<Page<Purchase>> {
    return this.request('GET', withQuery(`${o(org)}/purchases`, query));
  }
  createPurchase(org: string, body: { amount: string; price_usd?: string; idempotency_key: string }): Promise<Purchase> {
    return this.request('POST', `${o(org)}/purchases`, body);
  }
  autoRecharge(org: string): Promise<AutoRecharge> {
    return this.request('GET', `${o(org)}/auto-recharge`);
  }
  putAutoRecharge(
    org: string,
    body: { enabled: boolean; threshold: string; amount: string; max_per_month: number; cooldown_minutes: number },
  ): Promise<AutoRecharge> {
    return this.request('PUT', `${o(org)}/auto-recharge`, body);
  }
}
