/**
 * One error path: every refusal is a TallyError with a code from this closed
 * set. Services, the database helpers and HTTP all throw from here; the HTTP
 * layer (src/http/errors.ts, src/http/server.ts) only turns one into the
 * SPEC §4 envelope.
 *
 * Each code carries its status because the status is part of what the code
 * means to a client (a 404 is "it is not there", a 409 "not in this state"):
 * keeping the two in one table stops a new code from shipping without one.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_amount: 400,
  invalid_text: 400,
  invalid_cursor: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_events: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  organization_not_found: 404,
  grant_not_found: 404,
  route_not_found: 404,
  conflict: 409,
  already_exists: 409,
  idempotency_key_reused: 422,
  already_voided: 409,
  purchase_not_pending: 409,
  unknown_meter: 422,
  outside_grace_window: 422,
  timestamp_in_future: 422,
  events_rejected: 422,
  insufficient_credits: 422,
  rule_refused: 422,
  rate_limited: 429,
  invalid_credentials: 401,
  embed_link_invalid: 401,
  embed_link_expired: 401,
  csrf_failed: 403,
  member_not_found: 404,
  group_not_found: 404,
  hold_not_found: 404,
  request_not_found: 404,
  already_decided: 409,
  hold_not_open: 409,
  allocation_exceeds_budget: 422,
  default_group_protected: 422,
  capture_exceeds_hold: 422,
  amount_exceeds_request: 422,
  api_key_not_found: 404,
  internal: 500,
  database_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class TallyError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

// Named refusals: one wording per rule, whoever throws it.

export const notFound = (what: string, id: string): TallyError =>
  new TallyError('not_found', `No ${what} with id "${id}" exists in this organization.`);

export const organizationNotFound = (orgId: string): TallyError =>
  new TallyError('organization_not_found', `No organization with id "${orgId}" exists.`);

export const memberNotFound = (memberId: string): TallyError =>
  new TallyError('member_not_found', `No member with id "${memberId}" exists in this organization.`);

export const groupNotFound = (groupId: string): TallyError =>
  new TallyError('group_not_found', `No group with id "${groupId}" exists in this organization.`);

export const grantNotFound = (grantId: string): TallyError =>
  new TallyError('grant_not_found', `No grant with id "${grantId}" exists in this organization.`);

export const requestNotFound = (requestId: string): TallyError =>
  new TallyError('request_not_found', `No credit request with id "${requestId}" exists in this organization.`);

export const apiKeyNotFound = (keyId: string): TallyError =>
  new TallyError('api_key_not_found', `No live API key with id "${keyId}" exists in this organization.`);

export const allocationExceedsBudget = (message: string, details: Record<string, unknown>): TallyError =>
  new TallyError('allocation_exceeds_budget', message, details);

export const defaultGroupProtected = (change: 'renamed' | 'deleted'): TallyError =>
  new TallyError('default_group_protected', `The Default group cannot be ${change}.`);

