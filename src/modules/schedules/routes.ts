import { z } from 'zod';
import { defineRoute } from '../../http/contract.js';
import { CYCLE_CADENCES } from '../../domain/cycles.js';
import { isDuration } from '../../domain/schedules.js';
import { AmountOut, Instant, OrgParams, PositiveAmount } from '../../http/schemas.js';
import { idempotencyKey, type RouteModule } from '../../http/types.js';
import { createSchedule, endSchedule, getSchedule, listSchedules, updateSchedule, type RolloverInput } from './service.js';

const Source = z.enum(['included', 'purchased', 'promotional', 'adjustment']);
const Duration = z.string().refine(isDuration, { message: 'is not a duration such as 36h, 30d, 2w or 3mo' });
const Priority = z.number().int().min(0).max(100);

const Rollover = z
  .object({
    max_amount: PositiveAmount.optional(),
    max_percent: z
      .number()
      .min(0)
      .max(100)
      // 0.29 * 100 is 28.999999999999996 in binary floating point: compare with a tolerance.
      .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, { message: 'has at most two decimals' })
      .optional(),
    expires_after: Duration.optional(),
    priority: Priority.optional(),
  })
  .strict();

const RolloverOut = z.object({
  max_amount: AmountOut.nullable(),
  max_percent: z.number().nullable(),
  expires_after: z.string().nullable(),
  priority: z.number().nullable(),
});

export const ScheduleOut = z.object({
  id: z.string(),
  name: z.string(),
  source: Source,
  amount: AmountOut,
  cadence: z.enum(CYCLE_CADENCES),
  anchor: z.string(),
  expires_after: z.string().nullable(),
  priority: z.number(),
  rollover: RolloverOut.nullable(),
  ends_at: z.string().nullable(),
  status: z.enum(['active', 'ended']),
  next_issue_at: z.string().nullable(),
  next_period: z.object({ starts_at: z.string(), ends_at: z.string() }).nullable(),
  issued: z.array(
    z.object({
      period_start: z.string(),
      period_end: z.string(),
      grant_id: z.string(),
      issued_at: z.string(),
      rolled_over: AmountOut.nullable(),
      rollover_grant_id: z.string().nullable(),
    }),
  ),
  created_at: z.string(),
  updated_at: z.string(),
});

const CreateBody = z
  .object({
    name: z.string().min(1).max(200),
    source: Source,
    amount: PositiveAmount,
    cadence: z.enum(CYCLE_CADENCES),
    anchor: Instant.optional(),
    expires_after: Duration.optional(),
    priority: Priority.optional(),
    rollover: Rollover.optional(),
    ends_at: Instant.nullable().optional(),
  })
  .strict();

const PatchBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    amount: PositiveAmount.optional(),
    expires_after: Duration.nullable().optional(),
    priority: Priority.optional(),
    rollover: Rollover.nullable().optional(),
    ends_at: Instant.nullable().optional(),
  })
  .strict();

const ScheduleParams = OrgParams.extend({ schedule: z.string().max(100) });

function rolloverInput(r: z.infer<typeof Rollover> | null | undefined): RolloverInput | null | undefined {
  if (r === null || r === undefined) return r;
  return { maxAmount: r.max_amount, maxPercent: r.max_percent, expiresAfter: r.expires_after, priority: r.priority };
}

export const scheduleRoutes: RouteModule = (app, { ctx }) => {
  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/grant-schedules',
    capability: 'grants.write',
    schema: { tags: ['grants'], params: OrgParams, body: CreateBody, response: { 201: ScheduleOut } },
    handler: async (request, reply) => {
      const b = request.body;
      const result = await createSchedule({
        ctx,
        orgId: request.params.org,
        actor: request.actor.label,
        idempotencyKey: idempotencyKey(request.headers),
        input: {
          name: b.name,
          source: b.source,
          amount: b.amount,
          cadence: b.cadence,
          anchor: b.anchor,
          expiresAfter: b.expires_after,
          priority: b.priority,
          rollover: rolloverInput(b.rollover) ?? undefined,
          endsAt: b.ends_at,
        },
      });
      return reply.status(result.statusCode as 201).send(result.body);
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/grant-schedules',
    capability: 'grants.read',
    schema: { tags: ['grants'], params: OrgParams, response: { 200: z.object({ data: z.array(ScheduleOut) }) } },
    handler: async (request) => {
      return { data: await listSchedules({ ctx, orgId: request.params.org }) };
    },
  });

  defineRoute(app, {
    method: 'GET',
    path: '/v1/orgs/:org/grant-schedules/:schedule',
    capability: 'grants.read',
    schema: { tags: ['grants'], params: ScheduleParams, response: { 200: ScheduleOut } },
    handler: async (request) => {
      return getSchedule({ ctx, orgId: request.params.org, scheduleId: request.params.schedule });
    },
  });

  defineRoute(app, {
    method: 'PATCH',
    path: '/v1/orgs/:org/grant-schedules/:schedule',
    capability: 'grants.write',
    schema: { tags: ['grants'], params: ScheduleParams, body: PatchBody, response: { 200: ScheduleOut } },
    handler: async (request, reply) => {
      const b = request.body;
      const result = await updateSchedule({
        ctx,
        orgId: request.params.org,
        scheduleId: request.params.schedule,
        actor: request.actor.label,
        idempotencyKey: idempotencyKey(request.headers),
        input: {
          name: b.name,
          amount: b.amount,
          expiresAfter: b.expires_after,
          priority: b.priority,
          rollover: rolloverInput(b.rollover),
          endsAt: b.ends_at,
        },
      });
      return reply.status(result.statusCode as 200).send(result.body);
    },
  });

  defineRoute(app, {
    method: 'POST',
    path: '/v1/orgs/:org/grant-schedules/:schedule/end',
    capability: 'grants.write',
    schema: { tags: ['grants'], params: ScheduleParams, response: { 200: ScheduleOut } },
    handler: async (request, reply) => {
      const result = await endSchedule({
        ctx,
        orgId: request.params.org,
        scheduleId: request.params.schedule,
        actor: request.actor.label,
        idempotencyKey: idempotencyKey(request.headers),
      });
      return reply.status(result.statusCode as 200).send(result.body);
    },
  });
};
