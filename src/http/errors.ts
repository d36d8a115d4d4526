/**
 * One error path: every refusal is a TallyError with a code from this closed
 * set, turned into the SPEC §4 envelope by one handler.
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

export const notFound = (what: string, id: string): TallyError =>
  new TallyError('not_found', `No ${what} with id "${id}" exists in this organization.`);
