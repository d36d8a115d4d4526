import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { PageQuery, paginator } from '../../http/paging.js';
import { AmountOut, OrgParams } from '../../http/schemas.js';
import { idempotencyKey, type RouteModule } from '../../http/types.js';
import { getInvoice, listInvoices, setInvoiceState } from './service.js';

export const InvoiceOut = z.object({
  id: z.string(),
  status: z.enum(['draft', 'issued', 'paid', 'void']),
  period: z.string(),
  starts_at: z.string(),
  ends_at: z.string(),
  lines: z.array(
    z.object({
      meter: z.string().meta({ description: 'meter key, or "credit_purchase" for a credit purchase paid in the period' }),
      description: z.string(),
      quantity: AmountOut,
      unit: z.string(),
      unit_price_usd: z.string().meta({ description: 'decimal USD per unit; empty when the meter has no USD price; per credit on credit_purchase lines' }),
      amount_usd: AmountOut,
    }),
  ),
  subtotal_usd: AmountOut,
  credits_applied: AmountOut,
  credits_applied_usd: AmountOut,
  amount_due_usd: AmountOut,
  issued_at: z.string().nullable(),
  paid_at: z.string().nullable(),
  voided_at: z.string().nullable(),
});

const InvoiceParams = OrgParams.extend({ invoice: z.string().max(40) });

/** The invoices' cursor: the last period listed. */
const byPeriod = paginator(z.string().regex(/^\d{4}-\d{2}$/));

export const invoiceRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/invoices',
    capability: 'invoices.read',
    paginate: byPeriod,
    schema: {
      tags: ['invoices'],
      params: OrgParams,
      querystring: PageQuery,
      response: { 200: z.object({ data: z.array(InvoiceOut), next_cursor: z.string().nullable() }) },
    },
    handler: async (request) => {
      const r = await listInvoices({ ctx, orgId: request.params.org, before: byPeriod.read(request.query.cursor), limit: request.query.limit });
      return byPeriod.page(r.data, r.next_cursor);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/invoices/:invoice',
    capability: 'invoices.read',
    errors: ['not_found'],
    schema: { tags: ['invoices'], params: InvoiceParams, response: { 200: InvoiceOut } },
    handler: async (request) => {
      return getInvoice({ ctx, orgId: request.params.org, invoice: request.params.invoice });
    },
  });

  for (const [action, to] of [
    ['pay', 'paid'],
    ['void', 'void'],
  ] as const) {
    defineRoute(app, {
      method: 'POST',
      path: `/v1/orgs/:org/invoices/:invoice/${action}`,
      capability: 'platform',
      errors: action === 'void' ? ['not_found', 'already_voided'] : ['not_found'],
      schema: { tags: ['invoices'], params: InvoiceParams, response: { 200: InvoiceOut } },
      handler: async (request, reply) => {
        const { org, invoice } = request.params;
        const result = await setInvoiceState({ ctx, orgId: org, invoice, to, idempotencyKey: idempotencyKey(request.headers) });
        return reply.status(result.statusCode as 200).send(result.body);
      },
    });
  }
};
