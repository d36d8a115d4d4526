import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { AmountOut, NonNegativeAmount, OrgParams } from '../../http/schemas.js';
import type { RouteModule } from '../../http/types.js';
import { RuleIn } from './rule-types.js';
import { getAlerts, putAlerts, type ThresholdInput } from './service.js';

const Pct = z
  .number()
  .min(0)
  .max(100)
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9, { message: 'must have at most 2 decimal places' });

const ThresholdIn = z.union([
  z.object({ credits: NonNegativeAmount }).strict(),
  z.object({ pct_of_included: Pct.meta({ description: 'percent of the credits of active included grants' }) }).strict(),
]);

export const AlertsOut = z.object({
  thresholds: z.array(
    z.object({
      id: z.string(),
      credits: AmountOut.optional(),
      pct_of_included: z.number().optional(),
      level: AmountOut.meta({ description: 'the threshold in credits now' }),
      state: z.enum(['ok', 'below']),
      changed_at: z.string(),
    }),
  ),
  emails: z.array(z.string()),
  available: AmountOut,
  rules: z.array(
    z
      .looseObject({
        id: z.string(),
        type: z.string(),
        subjects: z.array(z.object({ subject: z.string(), state: z.enum(['ok', 'firing']), changed_at: z.string() })),
      })
      .meta({ description: "a rule with its settings and the state of every subject it watches" }),
  ),
});

export const alertRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'PUT',
    path: '/v1/orgs/:org/alerts',
    capability: 'alerts.manage',
    schema: {
      tags: ['alerts'],
      params: OrgParams,
      body: z.object({
        thresholds: z.array(ThresholdIn).max(20),
        emails: z.array(z.email().max(320)).max(50).default([]),
        rules: z.array(RuleIn).max(50).optional().meta({ description: 'alert rules (SPEC §3.17); absent keeps the current ones' }),
      }),
      response: { 200: AlertsOut },
    },
    handler: async (request) => {
      const thresholds: ThresholdInput[] = request.body.thresholds.map((t) =>
        'credits' in t ? { credits: t.credits } : { pctBp: Math.round(t.pct_of_included * 100) },
      );
      const { emails, rules } = request.body;
      return putAlerts({ ctx, orgId: request.params.org, actor: request.actor.label, thresholds, emails, rules });
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/alerts',
    capability: 'alerts.manage',
    schema: { tags: ['alerts'], params: OrgParams, response: { 200: AlertsOut } },
    handler: async (request) => {
      return getAlerts({ ctx, orgId: request.params.org });
    },
  });
};
