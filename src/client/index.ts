import type { z } from 'zod';
import type { IngestBody, IngestResponse } from '../modules/events/routes.js';

/**
 * The typed client of Tally's HTTP API, used by the CLI (and the dashboard).
 * Request and response types come from the same zod schemas the server
 * validates with, so nothing is typed twice.
 */
export type IngestRequest = z.input<typeof IngestBody>;
export type IngestResult = z.output<typeof IngestResponse>;

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
}

export class TallyClient {
  private readonly fetcher: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.fetcher = options.fetch ?? fetch;
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await this.fetcher(new URL(path, this.options.baseUrl), {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.options.key ? { authorization: `Bearer ${this.options.key}` } : {}),
        ...headers,
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; request_id?: string } } | undefined)?.error;
      throw new TallyApiError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}`, error?.request_id);
    }
    return parsed as T;
  }

  ingestEvents(events: IngestRequest['events']): Promise<IngestResult> {
    return this.request('POST', '/v1/events', { events });
  }
}
