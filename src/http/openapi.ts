import { ERROR_STATUS, type ErrorCode } from './errors.js';

/**
 * Error responses for the OpenAPI document, added centrally so every route documents them and a
 * generated client types its errors: each operation gets, per HTTP status, the error envelope with
 * `code` narrowed to the codes that route can answer. The codes are derived from what every route
 * shares (authentication, validation, the organization in the path, session CSRF) plus a table of
 * the known refusals by path below; `test/openapi-errors.test.ts` checks the table against real
 * answers.
 */
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, unknown>;
  security?: unknown[];
}

interface Doc {
  paths?: Record<string, Partial<Record<Method, Operation>>>;
  components?: { schemas?: Record<string, unknown> };
}

const PUBLIC = new Set(['/v1/auth/login', '/v1/auth/embed']);

/** Refusals particular to some routes, by path pattern and method (`*` any). */
const KNOWN: { path: RegExp; method?: Method; codes: ErrorCode[] }[] = [
  { path: /^\/v1\/events$/, method: 'post', codes: ['too_many_events', 'unknown_meter', 'outside_grace_window', 'timestamp_in_future', 'events_rejected', 'organization_not_found'] },
  { path: /^\/v1\/compat\/stripe\/meter_events$/, codes: ['unknown_meter', 'outside_grace_window', 'timestamp_in_future', 'organization_not_found'] },
  { path: /^\/v1\/orgs$/, method: 'post', codes: ['already_exists'] },
  { path: /\{grant\}/, codes: ['grant_not_found'] },
  { path: /\/void$/, codes: ['already_voided'] },
  { path: /\{member\}/, codes: ['member_not_found'] },
  { path: /\/members$/, method: 'post', codes: ['already_exists', 'group_not_found'] },
  { path: /\{group\}/, codes: ['group_not_found'] },
  { path: /\{group\}$/, method: 'delete', codes: ['default_group_protected'] },
  { path: /\/groups/, method: 'patch', codes: ['allocation_exceeds_budget'] },
  { path: /\/check$/, codes: ['member_not_found', 'rule_refused'] },
  { path: /\/holds$/, method: 'post', codes: ['member_not_found', 'insufficient_credits', 'rule_refused', 'idempotency_key_reused'] },
  { path: /\{hold\}/, codes: ['hold_not_found', 'hold_not_open'] },
  { path: /\{hold\}\/capture$/, codes: ['capture_exceeds_hold'] },
  { path: /\/requests\/\{id\}/, codes: ['request_not_found', 'already_decided'] },
  { path: /\/requests\/\{id\}\/approve$/, codes: ['amount_exceeds_request'] },
  { path: /\/purchases\/\{id\}/, codes: ['not_found', 'purchase_not_pending'] },
  { path: /\/purchases$/, method: 'post', codes: ['idempotency_key_reused'] },
  { path: /\/grants$/, method: 'post', codes: ['idempotency_key_reused'] },
  { path: /\/webhooks\/\{id\}/, codes: ['not_found'] },
  { path: /\/invoices\/\{invoice\}/, codes: ['not_found'] },
  { path: /\/statements\/\{period\}/, codes: ['not_found'] },
  { path: /\/customer-aliases$/, method: 'put', codes: ['conflict'] },
  { path: /^\/v1\/auth\/login$/, codes: ['invalid_credentials', 'rate_limited'] },
  { path: /^\/v1\/auth\/embed$/, codes: ['embed_link_invalid', 'embed_link_expired'] },
  { path: /\/api-keys\/\{/, codes: ['not_found'] },
];

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is malformed',
  401: 'Not authenticated',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflicts with the current state',
  422: 'Refused by a rule',
  429: 'Too many requests',
  500: 'Failed on the server; safe to retry',
};

export const ERROR_ENVELOPE = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'request_id'],
      properties: {
        code: { type: 'string', description: 'machine-readable, from a closed set' },
        message: { type: 'string', description: 'a sentence for a person' },
        request_id: { type: 'string' },
        details: { description: 'per-field or per-event detail, when there is any' },
      },
    },
  },
};

/** The codes one operation can answer, derived from its shape and the table above. */
export function errorCodes(path: string, method: Method, op: Operation): ErrorCode[] {
  const codes = new Set<ErrorCode>(['internal']);
  const authenticated = !PUBLIC.has(path) && !(Array.isArray(op.security) && op.security.length === 0);
  if (authenticated) {
    codes.add('unauthorized');
    codes.add('forbidden');
    // a dashboard session writes only with its CSRF token
    if (method !== 'get') codes.add('csrf_failed');
  }
  if (op.parameters?.length || op.requestBody) codes.add('invalid_request');
  if (op.requestBody) {
    codes.add('invalid_json');
    if (JSON.stringify(op.requestBody).includes('Decimal string')) codes.add('invalid_amount');
  }
  if (path.includes('{org}')) codes.add('organization_not_found');
  for (const k of KNOWN) if (k.path.test(path) && (!k.method || k.method === method)) k.codes.forEach((c) => codes.add(c));
  return [...codes].sort();
}

/** transformObject for @fastify/swagger: adds the error responses and the CloudEvents media types. */
export function documentErrors(doc: Doc): Doc {
  doc.components ??= {};
  doc.components.schemas = { ...doc.components.schemas, Error: ERROR_ENVELOPE };
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops) as [Method, Operation][]) {
      const byStatus = new Map<number, ErrorCode[]>();
      for (const code of errorCodes(path, method, op)) {
        const status = ERROR_STATUS[code];
        byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
      }
      op.responses ??= {};
      for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
        op.responses[String(status)] ??= {
          description: `${STATUS_TEXT[status] ?? 'Error'}: ${codes.join(', ')}`,
          content: {
            'application/json': {
              schema: {
                allOf: [
                  { $ref: '#/components/schemas/Error' },
                  { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string', enum: codes } } } } },
                ],
              },
            },
          },
        };
      }
    }
  }
  addCloudEventsMediaTypes(doc);
  return doc;
}

const CLOUD_EVENT = {
  type: 'object',
  description: 'A CloudEvents 1.0 event: type → meter, subject → organization (id, "<org>/<member>" or a customer alias), time → timestamp, id + source → idempotency key, quantity from data by the meter\'s value_path.',
  required: ['specversion', 'id', 'source', 'type', 'subject'],
  properties: {
    specversion: { type: 'string', const: '1.0' },
    id: { type: 'string' },
    source: { type: 'string' },
    type: { type: 'string' },
    subject: { type: 'string' },
    time: { type: 'string', format: 'date-time' },
    datacontenttype: { type: 'string' },
    data: { type: 'object', additionalProperties: {} },
  },
};

/** POST /v1/events also takes CloudEvents (a separate, hidden route picks them by media type). */
function addCloudEventsMediaTypes(doc: Doc): void {
  const op = doc.paths?.['/v1/events']?.post;
  if (!op?.requestBody?.content) return;
  doc.components!.schemas!.CloudEvent = CLOUD_EVENT;
  op.requestBody.content['application/cloudevents+json'] = { schema: { $ref: '#/components/schemas/CloudEvent' } };
  op.requestBody.content['application/cloudevents-batch+json'] = {
    schema: { type: 'array', maxItems: 1000, items: { $ref: '#/components/schemas/CloudEvent' } },
  };
}
