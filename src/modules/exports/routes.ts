import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { Instant, OrgParams } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { sendCsv } from './csv.js';
import {
  DAILY_COLUMNS,
  EVENT_EXPORT_COLUMNS,
  eventRows,
  GRANT_LEDGER_COLUMNS,
  grantLedgerRows,
  JOB_COLUMNS,
  statementDailyRows,
  statementJobRows,
} from './service.js';

const CSV = { 200: z.string().meta({ description: 'text/csv; charset=utf-8' }) };

export const exportRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/statements/:period/export.csv',
    capability: 'statements.read',
    errors: ['not_found'],
    schema: {
      tags: ['statements'],
      params: OrgParams.extend({ period: z.string().max(20) }),
      querystring: z.object({ lines: z.enum(['daily', 'jobs']).default('daily') }),
      produces: ['text/csv'],
      response: CSV,
    },
    handler: async (request, reply) => {
      const { org, period } = request.params;
      const jobs = request.query.lines === 'jobs';
      const pages = jobs ? statementJobRows({ ctx, orgId: org, period }) : statementDailyRows({ ctx, orgId: org, period });
      return sendCsv(reply, `statement-${org}-${period}-${request.query.lines}.csv`, jobs ? JOB_COLUMNS : DAILY_COLUMNS, pages);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/events/export.csv',
    capability: 'events.read',
    schema: {
      tags: ['events'],
      params: OrgParams,
      querystring: z.object({ from: Instant.optional(), to: Instant.optional() }),
      produces: ['text/csv'],
      response: CSV,
    },
    handler: async (request, reply) => {
      const { org } = request.params;
      return sendCsv(reply, `events-${org}.csv`, EVENT_EXPORT_COLUMNS, eventRows({ ctx, actor: request.actor, orgId: org, ...request.query }));
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/grants/:grant/ledger.csv',
    capability: 'grants.read',
    errors: ['grant_not_found'],
    schema: {
      tags: ['grants'],
      params: OrgParams.extend({ grant: z.string().max(100) }),
      produces: ['text/csv'],
      response: CSV,
    },
    handler: async (request, reply) => {
      const { org, grant } = request.params;
      return sendCsv(reply, `grant-${grant}-ledger.csv`, GRANT_LEDGER_COLUMNS, grantLedgerRows({ ctx, orgId: org, grantId: grant }));
    },
  });
};
