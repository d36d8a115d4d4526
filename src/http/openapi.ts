import type { RegisteredContract } from './contract.js';
import { ERROR_STATUS, type ErrorCode } from './errors.js';

/**
 * Error responses for the OpenAPI document, added centrally so every route documents them and a
 * generated client types its errors: each operation gets, per HTTP status, the error envelope with
 * `code` narrowed to the codes that route can answer. The codes are derived from what every route
 * shares (authentication, validation, the organization in the path, session CSRF, paging) plus the
 * refusals its contract declares (`errors` of defineRoute, contract.ts);
 * `test/openapi-errors.test.ts` checks them against real answers.
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

/** The codes one operation can answer, derived from its shape and its contract. */
export function errorCodes(path: string, method: Method, op: Operation, contract: RegisteredContract | undefined): ErrorCode[] {
  const codes = new Set<ErrorCode>(['internal']);
  const authenticated = contract?.capability !== 'public' && !(Array.isArray(op.security) && op.security.length === 0);
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
  contract?.errors.forEach((c) => codes.add(c));
  return [...codes].sort();
}

/** transformObject for @fastify/swagger: adds the error responses and the CloudEvents media types. */
export function documentErrors(doc: Doc, contracts: readonly RegisteredContract[]): Doc {
  const contractOf = new Map(contracts.filter((c) => !c.hidden).map((c) => [`${c.method.toLowerCase()} ${c.path}`, c]));
  doc.components ??= {};
  doc.components.schemas = { ...doc.components.schemas, Error: ERROR_ENVELOPE };
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops) as [Method, Operation][]) {
      const byStatus = new Map<number, ErrorCode[]>();
      for (const code of errorCodes(path, method, op, contractOf.get(`${method} ${path}`))) {
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
