import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { PageQuery, paginator } from '../../http/paging.js';
import { AmountOut, CursorId, OrgParams, page } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { statementProof } from './proof.js';
import { getDayJobs, getStatement, listStatements } from './service.js';

const PeriodParams = OrgParams.extend({ period: z.string().max(20) });

export const PeriodOut = z.object({ period: z.string(), status: z.enum(['open', 'closed']), starts_at: z.string(), ends_at: z.string() });

export const StatementOut = z.object({
  period: z.string(),
  status: z.enum(['open', 'closed']),
  starts_at: z.string(),
  ends_at: z.string(),
  summary: z.object({
    brought_forward: AmountOut,
    purchased: AmountOut,
    granted: AmountOut,
    adjustments: AmountOut,
    consumed: AmountOut,
    expired: AmountOut,
    rolled_over: AmountOut.meta({ description: 'credit carried from expiring scheduled grants into rollover blocks (balance-neutral)' }),
    forfeited: AmountOut.meta({ description: 'unused scheduled credit beyond the rollover cap that expired' }),
    corrections: AmountOut.meta({
      description: 'credits returned (positive) or charged (negative) by voids and amends of usage from closed periods; already counted in consumed and expired, not a separate term',
    }),
    closing: AmountOut,
  }),
  days: z.array(
    z.object({ date: z.string(), top_ups: AmountOut, credits_used: AmountOut, expired: AmountOut, balance: AmountOut.meta({ description: 'end-of-day balance in the organization time zone' }) }),
  ),
});

const Nullable = z.string().nullable();
/** docs/statement-proof.md */
export const StatementProofOut = z.object({
  format: z.literal('tally-statement-proof-v1'),
  statement: z.object({
    format: z.literal('tally-statement-v1'),
    org: z.string(),
    period: z.string(),
    status: z.literal('closed'),
    starts_at: z.string(),
    ends_at: z.string(),
    closed_at: z.string(),
    summary: StatementOut.shape.summary,
    chain: z
      .object({ first_seq: z.string(), first_hash: z.string(), last_seq: z.string(), last_hash: z.string(), entries: z.number().int() })
      .nullable()
      .meta({ description: "the period's first and last entries in the organization's hash chain; null when the period had none" }),
  }),
  signature: z.object({ algorithm: z.literal('Ed25519'), key_id: z.string(), signature: z.string().meta({ description: 'base64url Ed25519 signature of the canonical JSON of `statement`' }) }),
  public_key: z.object({ algorithm: z.literal('Ed25519'), key_id: z.string(), public_key_pem: z.string() }),
  entries: z.array(
    z.object({
      id: z.string(),
      org: z.string(),
      seq: z.string(),
      prev: z.string(),
      hash: z.string(),
      type: z.string(),
      amount: z.string().meta({ description: 'micro-credits, decimal integer' }),
      from: z.string(),
      to: z.string(),
      block: Nullable,
      block_balance_after: Nullable,
      grant: Nullable,
      occurred_at: z.string(),
      recorded_at: z.string(),
      event: Nullable,
      ref: Nullable,
      actor: Nullable,
      in_period: z.boolean(),
    }),
  ),
});

export const JobLineOut = z.object({
  kind: z.enum(['job', 'usage']).meta({ description: '"usage": usage without a job on one meter (job_id is meter:<key>)' }),
  job_id: z.string(),
  name: z.string(),
  project: z.string().nullable(),
  user: z.string().nullable(),
  resource_class: z.string().nullable(),
  credits_used: AmountOut,
});

/** The day-jobs cursor: the last line's credits (micro-credits as a decimal string) and job id. */
const byDayJob = paginator(z.object({ c: z.string().regex(/^-?\d{1,19}$/), j: CursorId }));

export const statementRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/statements',
    capability: 'statements.read',
    schema: {
      tags: ['statements'],
      params: OrgParams,
      response: {
        200: z.object({
          data: z.array(PeriodOut),
        }),
      },
    },
    handler: async (request) => {
      return listStatements({ ctx, orgId: request.params.org });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/statements/:period',
    capability: 'statements.read',
    errors: ['not_found'],
    schema: { tags: ['statements'], params: PeriodParams, response: { 200: StatementOut } },
    handler: async (request) => {
      return getStatement({ ctx, orgId: request.params.org, period: request.params.period });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/statements/:period/proof',
    capability: 'statements.read',
    errors: ['not_found'],
    schema: { tags: ['statements'], params: PeriodParams, response: { 200: StatementProofOut } },
    handler: async (request) => {
      return statementProof({ ctx, orgId: request.params.org, period: request.params.period });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/statements/:period/days/:date/jobs',
    capability: 'statements.read',
    paginate: byDayJob,
    errors: ['not_found'],
    schema: {
      tags: ['statements'],
      params: PeriodParams.extend({ date: z.string().max(20) }),
      querystring: PageQuery,
      response: { 200: page(JobLineOut) },
    },
    handler: async (request) => {
      const { limit, cursor } = request.query;
      const key = byDayJob.read(cursor);
      const after = key && { credits: BigInt(key.c), jobId: key.j };
      const result = await getDayJobs({ ctx, orgId: request.params.org, period: request.params.period, date: request.params.date, after, limit });
      return byDayJob.page(result.data, result.next && { c: result.next.credits.toString(), j: result.next.jobId });
    },
  });
};
