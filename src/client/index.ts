import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './openapi.js';

/**
 * The typed client of Tally's HTTP API, used by the CLI, the dashboard and integrators. Every
 * path, query, body and response type comes from `./openapi.ts`, generated from the server's own
 * OpenAPI document (`npm run generate:client`); this file only names them and wraps openapi-fetch
 * in the method names callers already use. It runs in Node and in the browser.
 */
export type { components, paths };

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Json<R> = R extends { content: { 'application/json': infer J } } ? J : never;
/** The success body of an operation (200 or 201). */
export type Ok<P extends keyof paths, M extends Method> =
  Op<P, M> extends { responses: infer R } ? (R extends { 200: infer A } ? Json<A> : R extends { 201: infer B } ? Json<B> : never) : never;
/** The JSON request body of an operation. */
export type Body<P extends keyof paths, M extends Method> =
  Op<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
/** The query of an operation; each parameter may also be given as undefined (left out). */
export type Query<P extends keyof paths, M extends Method> =
  Op<P, M> extends { parameters: { query?: infer Q } } ? { [K in keyof NonNullable<Q>]?: NonNullable<Q>[K] | undefined } : never;
type Item<T> = T extends { data: (infer I)[] } ? I : never;

export type ErrorEnvelope = components['schemas']['Error'];
export type IngestRequest = Body<'/v1/events', 'post'>;
export type IngestResult = Ok<'/v1/events', 'post'>;
export type CloudEvent = components['schemas']['CloudEvent'];
export type Org = Ok<'/v1/orgs/{org}', 'get'>;
export type Balance = Ok<'/v1/orgs/{org}/balance', 'get'>;
export type Grant = Ok<'/v1/orgs/{org}/grants/{grant}', 'get'>;
export type LedgerEntry = Item<Ok<'/v1/orgs/{org}/grants/{grant}/ledger', 'get'>>;
export type LedgerSummaryRow = Item<Ok<'/v1/orgs/{org}/grants/{grant}/ledger/summary', 'get'>>;
export type UsageEvent = Item<Ok<'/v1/orgs/{org}/events', 'get'>>;
export type Meter = Item<Ok<'/v1/orgs/{org}/meters', 'get'>>;
export type Session = Ok<'/v1/auth/session', 'get'>;
export type EmbedSession = Ok<'/v1/auth/embed', 'post'>;
export type EmbedToken = Ok<'/v1/orgs/{org}/embed-tokens', 'post'>;
export type LoginRequest = Body<'/v1/auth/login', 'post'>;
export type Role = Session['role'];
export type StatementPeriod = Item<Ok<'/v1/orgs/{org}/statements', 'get'>>;
export type Statement = Ok<'/v1/orgs/{org}/statements/{period}', 'get'>;
export type StatementDay = Statement['days'][number];
export type JobLine = Item<Ok<'/v1/orgs/{org}/statements/{period}/days/{date}/jobs', 'get'>>;
export type Invoice = Ok<'/v1/orgs/{org}/invoices/{invoice}', 'get'>;
export type InvoiceLine = Invoice['lines'][number];
export type UsageBreakdown = Ok<'/v1/orgs/{org}/usage/breakdown', 'get'>;
export type UsageSeries = Ok<'/v1/orgs/{org}/usage/series', 'get'>;
export type IncludedUsage = Ok<'/v1/orgs/{org}/usage/included', 'get'>;
export type PlanUsage = Ok<'/v1/orgs/{org}/plan/usage', 'get'>;
export type PlanUsageRow = PlanUsage['data'][number];
export type GrantListStatus = NonNullable<Query<'/v1/orgs/{org}/grants', 'get'>['status']>;
export type Cycle = Ok<'/v1/orgs/{org}/cycle', 'get'>;
export type OrgSettings = Ok<'/v1/orgs/{org}/settings', 'get'>;
export type Cadence = OrgSettings['cycle_cadence'];
export type AllocGroup = Ok<'/v1/orgs/{org}/groups/{group}', 'get'>;
export type Member = Ok<'/v1/orgs/{org}/members/{member}', 'get'>;
export type CreditRequest = Item<Ok<'/v1/orgs/{org}/requests', 'get'>>;
export type RequestStatus = CreditRequest['status'];
export type AuditEntry = Item<Ok<'/v1/orgs/{org}/audit', 'get'>>;
export type Alerts = Ok<'/v1/orgs/{org}/alerts', 'get'>;
export type AlertThresholdInput = Body<'/v1/orgs/{org}/alerts', 'put'>['thresholds'][number];
export type WebhookEndpoint = Item<Ok<'/v1/orgs/{org}/webhooks', 'get'>>;
export type WebhookEventType = Body<'/v1/orgs/{org}/webhooks', 'post'>['events'][number];
export type WebhookDelivery = Item<Ok<'/v1/orgs/{org}/webhooks/{id}/deliveries', 'get'>>;
export type Purchase = Item<Ok<'/v1/orgs/{org}/purchases', 'get'>>;
export type AutoRecharge = Ok<'/v1/orgs/{org}/auto-recharge', 'get'>;
export type AllocationOverview = Ok<'/v1/orgs/{org}/allocations', 'get'>;
export type CheckResult = Ok<'/v1/orgs/{org}/check', 'post'>;
export type Hold = Ok<'/v1/orgs/{org}/holds', 'post'>;
export type CreatedApiKey = Ok<'/v1/orgs/{org}/api-keys', 'post'>;

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

/** Left-out (undefined) and empty query values are not sent, so a cleared filter means no filter. */
function serializeQuery(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  return params.toString();
}

/** The query without its left-out parameters, as the generated types (exact optional properties) want it. */
function defined<T extends object>(query: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** A result of openapi-fetch, unwrapped: the body, or a TallyApiError from the error envelope. */
async function unwrap<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) {
    const e = (error as Partial<ErrorEnvelope> | undefined)?.error;
    throw new TallyApiError(response.status, e?.code ?? 'http_error', e?.message ?? (typeof error === 'string' ? error.slice(0, 300) : `HTTP ${response.status}`), e?.request_id);
  }
  return data as T;
}

export class TallyClient {
  /** the generated, fully typed client, for any call without a method below */
  readonly api: Client<paths>;
  private readonly fetcher: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
    this.api = createClient<paths>({ baseUrl: options.baseUrl, fetch: (request: Request) => this.fetcher(request), querySerializer: serializeQuery });
    const auth: Middleware = {
      onRequest: ({ request }) => {
        for (const [k, v] of Object.entries(this.authHeaders())) request.headers.set(k, v);
        return request;
      },
    };
    this.api.use(auth);
  }

  private authHeaders(): Record<string, string> {
    return { ...(this.options.key ? { authorization: `Bearer ${this.options.key}` } : {}), ...(this.options.headers?.() ?? {}) };
  }

  /** An untyped call, for a route newer than this client's generated types. */
  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await this.fetcher(new URL(path, this.options.baseUrl), {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...this.authHeaders(), ...headers },
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
      const error = (parsed as Partial<ErrorEnvelope> | undefined)?.error;
      throw new TallyApiError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}`, error?.request_id);
    }
    return parsed as T;
  }

  /** A GET returning raw text (CSV exports). */
  async text(path: string): Promise<string> {
    const response = await this.fetcher(new URL(path, this.options.baseUrl), { headers: this.authHeaders() });
    const text = await response.text();
    if (!response.ok) throw new TallyApiError(response.status, 'http_error', text.slice(0, 300));
    return text;
  }

  ingestEvents(events: IngestRequest['events']): Promise<IngestResult> {
    return unwrap(this.api.POST('/v1/events', { body: { events } }));
  }
  /** CloudEvents 1.0, one or a batch (sent as application/cloudevents-batch+json). */
  ingestCloudEvents(events: CloudEvent[]): Promise<IngestResult> {
    return unwrap(
      this.api.POST('/v1/events', {
        body: events as never,
        headers: { 'content-type': 'application/cloudevents-batch+json' },
      }),
    );
  }

  // Dashboard sessions
  login(body: LoginRequest): Promise<Session> {
    return unwrap(this.api.POST('/v1/auth/login', { body }));
  }
  async logout(): Promise<void> {
    await unwrap(this.api.POST('/v1/auth/logout'));
  }
  session(): Promise<Session> {
    return unwrap(this.api.GET('/v1/auth/session'));
  }
  openEmbed(token: string): Promise<EmbedSession> {
    return unwrap(this.api.POST('/v1/auth/embed', { body: { token } }));
  }
  createEmbedToken(org: string, member: string, ttlSeconds: number): Promise<EmbedToken> {
    return unwrap(this.api.POST('/v1/orgs/{org}/embed-tokens', { params: { path: { org } }, body: { member, ttl_seconds: ttlSeconds } }));
  }

  // Organizations, members, keys, aliases (the platform's calls)
  createOrg(body: Body<'/v1/orgs', 'post'>): Promise<Ok<'/v1/orgs', 'post'>> {
    return unwrap(this.api.POST('/v1/orgs', { body }));
  }
  orgs(query: Query<'/v1/orgs', 'get'> = {}): Promise<Ok<'/v1/orgs', 'get'>> {
    return unwrap(this.api.GET('/v1/orgs', { params: { query: defined(query) } }));
  }
  org(org: string): Promise<Org> {
    return unwrap(this.api.GET('/v1/orgs/{org}', { params: { path: { org } } }));
  }
  addMember(org: string, body: Body<'/v1/orgs/{org}/members', 'post'>): Promise<Ok<'/v1/orgs/{org}/members', 'post'>> {
    return unwrap(this.api.POST('/v1/orgs/{org}/members', { params: { path: { org } }, body }));
  }
  createApiKey(org: string, body: Body<'/v1/orgs/{org}/api-keys', 'post'>): Promise<CreatedApiKey> {
    return unwrap(this.api.POST('/v1/orgs/{org}/api-keys', { params: { path: { org } }, body }));
  }
  customerAliases(org: string): Promise<Ok<'/v1/orgs/{org}/customer-aliases', 'get'>> {
    return unwrap(this.api.GET('/v1/orgs/{org}/customer-aliases', { params: { path: { org } } }));
  }
  putCustomerAliases(org: string, aliases: string[]): Promise<Ok<'/v1/orgs/{org}/customer-aliases', 'put'>> {
    return unwrap(this.api.PUT('/v1/orgs/{org}/customer-aliases', { params: { path: { org } }, body: { aliases } }));
  }
  putMeter(key: string, body: Body<'/v1/meters/{key}', 'put'>): Promise<Ok<'/v1/meters/{key}', 'put'>> {
    return unwrap(this.api.PUT('/v1/meters/{key}', { params: { path: { key } }, body }));
  }

  /** The ledger proof for every organization (platform key only). */
  verify(): Promise<Ok<'/v1/verify', 'get'>> {
    return unwrap(this.api.GET('/v1/verify'));
  }
  apiKeys(org: string, query: Query<'/v1/orgs/{org}/api-keys', 'get'> = {}): Promise<Ok<'/v1/orgs/{org}/api-keys', 'get'>> {
    return unwrap(this.api.GET('/v1/orgs/{org}/api-keys', { params: { path: { org }, query: defined(query) } }));
  }
  async revokeApiKey(org: string, id: string): Promise<void> {
    await unwrap(this.api.DELETE('/v1/orgs/{org}/api-keys/{id}', { params: { path: { org, id } } }));
  }

  /** A GET whose body is streamed to the caller (CSV exports); refusals throw as every call does. */
  async download(path: string): Promise<Response> {
    const response = await this.fetcher(new URL(path, this.options.baseUrl), { headers: this.authHeaders() });
    if (!response.ok) {
      const text = await response.text();
      let error: Partial<ErrorEnvelope>['error'];
      try {
        error = (JSON.parse(text) as Partial<ErrorEnvelope>).error;
      } catch {
        error = undefined;
      }
      throw new TallyApiError(response.status, error?.code ?? 'http_error', error?.message ?? text.slice(0, 300), error?.request_id);
    }
    return response;
  }

  // Admission: check before a job, hold around it, capture what it used
  check(org: string, body: Body<'/v1/orgs/{org}/check', 'post'>): Promise<CheckResult> {
    return unwrap(this.api.POST('/v1/orgs/{org}/check', { params: { path: { org } }, body }));
  }
  hold(org: string, body: Body<'/v1/orgs/{org}/holds', 'post'>): Promise<Hold> {
    return unwrap(this.api.POST('/v1/orgs/{org}/holds', { params: { path: { org } }, body }));
  }
  capture(org: string, hold: string, body: Body<'/v1/orgs/{org}/holds/{hold}/capture', 'post'>): Promise<Ok<'/v1/orgs/{org}/holds/{hold}/capture', 'post'>> {
    return unwrap(this.api.POST('/v1/orgs/{org}/holds/{hold}/capture', { params: { path: { org, hold } }, body }));
  }
  release(org: string, hold: string): Promise<Ok<'/v1/orgs/{org}/holds/{hold}/release', 'post'>> {
    return unwrap(this.api.POST('/v1/orgs/{org}/holds/{hold}/release', { params: { path: { org, hold } } }));
  }

  // Ledger
  balance(org: string, at?: string): Promise<Balance> {
    return unwrap(this.api.GET('/v1/orgs/{org}/balance', { params: { path: { org }, query: defined({ at }) } }));
  }
  createGrant(org: string, body: Body<'/v1/orgs/{org}/grants', 'post'>): Promise<Ok<'/v1/orgs/{org}/grants', 'post'>> {
    return unwrap(this.api.POST('/v1/orgs/{org}/grants', { params: { path: { org } }, body }));
  }
  voidGrant(org: string, grant: string, body: Body<'/v1/orgs/{org}/grants/{grant}/void', 'post'> = {}): Promise<Ok<'/v1/orgs/{org}/grants/{grant}/void', 'post'>> {
    return unwrap(this.api.POST('/v1/orgs/{org}/grants/{grant}/void', { params: { path: { org, grant } }, body }));
  }
  grants(org: string, query: Query<'/v1/orgs/{org}/grants', 'get'> = {}): Promise<Page<Grant>> {
    return unwrap(this.api.GET('/v1/orgs/{org}/grants', { params: { path: { org }, query: defined(query) } }));
  }
  grant(org: string, grant: string): Promise<Grant> {
    return unwrap(this.api.GET('/v1/orgs/{org}/grants/{grant}', { params: { path: { org, grant } } }));
  }
  grantLedger(org: string, grant: string, query: Query<'/v1/orgs/{org}/grants/{grant}/ledger', 'get'> = {}): Promise<Page<LedgerEntry>> {
    return unwrap(this.api.GET('/v1/orgs/{org}/grants/{grant}/ledger', { params: { path: { org, grant }, query: defined(query) } }));
  }
  grantLedgerSummary(org: string, grant: string): Promise<{ data: LedgerSummaryRow[] }> {
    return unwrap(this.api.GET('/v1/orgs/{org}/grants/{grant}/ledger/summary', { params: { path: { org, grant } } }));
  }
  events(org: string, query: Query<'/v1/orgs/{org}/events', 'get'> = {}): Promise<Page<UsageEvent>> {
    return unwrap(this.api.GET('/v1/orgs/{org}/events', { params: { path: { org }, query: defined(query) } }));
  }
  meters(org: string): Promise<{ data: Meter[] }> {
    return unwrap(this.api.GET('/v1/orgs/{org}/meters', { params: { path: { org } } }));
  }

  // Statements, invoices, usage analytics, plan (issue 4 contract)
  statements(org: string): Promise<{ data: StatementPeriod[] }> {
    return unwrap(this.api.GET('/v1/orgs/{org}/statements', { params: { path: { org } } }));
  }
  statement(org: string, period: string): Promise<Statement> {
    return unwrap(this.api.GET('/v1/orgs/{org}/statements/{period}', { params: { path: { org, period } } }));
  }
  dayJobs(org: string, period: string, date: string, query: Query<'/v1/orgs/{org}/statements/{period}/days/{date}/jobs', 'get'> = {}): Promise<Page<JobLine>> {
    return unwrap(this.api.GET('/v1/orgs/{org}/statements/{period}/days/{date}/jobs', { params: { path: { org, period, date }, query: defined(query) } }));
  }
  statementCsv(org: string, period: string, lines: NonNullable<Query<'/v1/orgs/{org}/statements/{period}/export.csv', 'get'>['lines']>): Promise<string> {
    return unwrap(this.api.GET('/v1/orgs/{org}/statements/{period}/export.csv', { params: { path: { org, period }, query: { lines } }, parseAs: 'text' }));
  }
  invoices(org: string, query: Query<'/v1/orgs/{org}/invoices', 'get'> = {}): Promise<Page<Invoice>> {
    return unwrap(this.api.GET('/v1/orgs/{org}/invoices', { params: { path: { org }, query: defined(query) } }));
  }
  invoice(org: string, invoice: string): Promise<Invoice> {
    return unwrap(this.api.GET('/v1/orgs/{org}/invoices/{invoice}', { params: { path: { org, invoice } } }));
  }
  usageBreakdown(org: string, query: Query<'/v1/orgs/{org}/usage/breakdown', 'get'> = {}): Promise<UsageBreakdown> {
    return unwrap(this.api.GET('/v1/orgs/{org}/usage/breakdown', { params: { path: { org }, query: defined(query) } }));
  }
  usageSeries(org: string, query: Query<'/v1/orgs/{org}/usage/series', 'get'> = {}): Promise<UsageSeries> {
    return unwrap(this.api.GET('/v1/orgs/{org}/usage/series', { params: { path: { org }, query: defined(query) } }));
  }
  includedUsage(org: string): Promise<IncludedUsage> {
    return unwrap(this.api.GET('/v1/orgs/{org}/usage/included', { params: { path: { org } } }));
  }
  planUsage(org: string): Promise<PlanUsage> {
    return unwrap(this.api.GET('/v1/orgs/{org}/plan/usage', { params: { path: { org } } }));
  }

  // Cycles, settings, groups, members, credit requests (issue 7 dashboard)
  settings(org: string): Promise<OrgSettings> {
    return unwrap(this.api.GET('/v1/orgs/{org}/settings', { params: { path: { org } } }));
  }
  updateSettings(org: string, body: Body<'/v1/orgs/{org}/settings', 'patch'>): Promise<OrgSettings> {
    return unwrap(this.api.PATCH('/v1/orgs/{org}/settings', { params: { path: { org } }, body }));
  }
  cycle(org: string): Promise<Cycle> {
    return unwrap(this.api.GET('/v1/orgs/{org}/cycle', { params: { path: { org } } }));
  }
  resetCycle(org: string): Promise<Cycle> {
    return unwrap(this.api.POST('/v1/orgs/{org}/cycle/reset', { params: { path: { org } } }));
  }
  allocations(org: string): Promise<AllocationOverview> {
    return unwrap(this.api.GET('/v1/orgs/{org}/allocations', { params: { path: { org } } }));
  }
  groups(org: string): Promise<{ data: AllocGroup[] }> {
    return unwrap(this.api.GET('/v1/orgs/{org}/groups', { params: { path: { org } } }));
  }
  updateGroup(org: string, group: string, body: Body<'/v1/orgs/{org}/groups/{group}', 'patch'>): Promise<AllocGroup> {
    return unwrap(this.api.PATCH('/v1/orgs/{org}/groups/{group}', { params: { path: { org, group } }, body }));
  }
  members(org: string, query: Query<'/v1/orgs/{org}/members', 'get'> = {}): Promise<Page<Member>> {
    return unwrap(this.api.GET('/v1/orgs/{org}/members', { params: { path: { org }, query: defined(query) } }));
  }
  member(org: string, member: string): Promise<Member> {
    return unwrap(this.api.GET('/v1/orgs/{org}/members/{member}', { params: { path: { org, member } } }));
  }
  updateMember(org: string, member: string, body: Body<'/v1/orgs/{org}/members/{member}', 'patch'>): Promise<Member> {
    return unwrap(this.api.PATCH('/v1/orgs/{org}/members/{member}', { params: { path: { org, member } }, body }));
  }
  requests(org: string, query: Query<'/v1/orgs/{org}/requests', 'get'> = {}): Promise<Page<CreditRequest>> {
    return unwrap(this.api.GET('/v1/orgs/{org}/requests', { params: { path: { org }, query: defined(query) } }));
  }
  createRequest(org: string, body: Body<'/v1/orgs/{org}/requests', 'post'>): Promise<CreditRequest> {
    return unwrap(this.api.POST('/v1/orgs/{org}/requests', { params: { path: { org } }, body }));
  }
  approveRequest(org: string, id: string, body: Body<'/v1/orgs/{org}/requests/{id}/approve', 'post'> = {}): Promise<CreditRequest> {
    return unwrap(this.api.POST('/v1/orgs/{org}/requests/{id}/approve', { params: { path: { org, id } }, body }));
  }
  denyRequest(org: string, id: string, body: Body<'/v1/orgs/{org}/requests/{id}/deny', 'post'> = {}): Promise<CreditRequest> {
    return unwrap(this.api.POST('/v1/orgs/{org}/requests/{id}/deny', { params: { path: { org, id } }, body }));
  }

  // Audit, alerts, webhooks, purchases, auto-recharge
  audit(org: string, query: Query<'/v1/orgs/{org}/audit', 'get'> = {}): Promise<Page<AuditEntry>> {
    return unwrap(this.api.GET('/v1/orgs/{org}/audit', { params: { path: { org }, query: defined(query) } }));
  }
  alerts(org: string): Promise<Alerts> {
    return unwrap(this.api.GET('/v1/orgs/{org}/alerts', { params: { path: { org } } }));
  }
  putAlerts(org: string, body: Body<'/v1/orgs/{org}/alerts', 'put'>): Promise<Alerts> {
    return unwrap(this.api.PUT('/v1/orgs/{org}/alerts', { params: { path: { org } }, body }));
  }
  webhooks(org: string): Promise<{ data: WebhookEndpoint[] }> {
    return unwrap(this.api.GET('/v1/orgs/{org}/webhooks', { params: { path: { org } } }));
  }
  createWebhook(org: string, body: Body<'/v1/orgs/{org}/webhooks', 'post'>): Promise<Ok<'/v1/orgs/{org}/webhooks', 'post'>> {
    return unwrap(this.api.POST('/v1/orgs/{org}/webhooks', { params: { path: { org } }, body }));
  }
  updateWebhook(org: string, id: string, body: Body<'/v1/orgs/{org}/webhooks/{id}', 'patch'>): Promise<WebhookEndpoint> {
    return unwrap(this.api.PATCH('/v1/orgs/{org}/webhooks/{id}', { params: { path: { org, id } }, body }));
  }
  async deleteWebhook(org: string, id: string): Promise<void> {
    await unwrap(this.api.DELETE('/v1/orgs/{org}/webhooks/{id}', { params: { path: { org, id } } }));
  }
  webhookDeliveries(org: string, id: string, query: Query<'/v1/orgs/{org}/webhooks/{id}/deliveries', 'get'> = {}): Promise<Page<WebhookDelivery>> {
    return unwrap(this.api.GET('/v1/orgs/{org}/webhooks/{id}/deliveries', { params: { path: { org, id }, query: defined(query) } }));
  }
  purchases(org: string, query: Query<'/v1/orgs/{org}/purchases', 'get'> = {}): Promise<Page<Purchase>> {
    return unwrap(this.api.GET('/v1/orgs/{org}/purchases', { params: { path: { org }, query: defined(query) } }));
  }
  createPurchase(org: string, body: Body<'/v1/orgs/{org}/purchases', 'post'>): Promise<Purchase> {
    return unwrap(this.api.POST('/v1/orgs/{org}/purchases', { params: { path: { org } }, body }));
  }
  autoRecharge(org: string): Promise<AutoRecharge> {
    return unwrap(this.api.GET('/v1/orgs/{org}/auto-recharge', { params: { path: { org } } }));
  }
  putAutoRecharge(org: string, body: Body<'/v1/orgs/{org}/auto-recharge', 'put'>): Promise<AutoRecharge> {
    return unwrap(this.api.PUT('/v1/orgs/{org}/auto-recharge', { params: { path: { org } }, body }));
  }
}
