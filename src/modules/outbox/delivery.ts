import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { rows } from '../../db/client.js';
import { backoffMs, shouldRetry } from '../../domain/backoff.js';
import { sendEmail, sendWebhook, type Message, type SendResult } from './senders.js';

/** A claimed row is leased for this long; a worker that dies mid-send loses nothing, the lease runs out. */
const LEASE_MS = 5 * 60 * 1000;
const BATCH = 50;

interface Claimed {
  orgId: string;
  id: string;
  channel: 'webhook' | 'email';
  recipients: string[];
  attempts: number;
  notificationId: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: Date;
  url: string | null;
  secret: string | null;
  live: boolean | null;
}

/**
 * Takes due outbox rows: `FOR UPDATE SKIP LOCKED` lets several servers on one
 * PostgreSQL share the work without taking the same row; the lease (moving
 * next_attempt_at forward) is committed before anything is sent, so the send
 * happens outside any transaction. Email rows wait while SMTP is not set up.
 */
async function claim(ctx: AppContext, withEmail: boolean): Promise<Claimed[]> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    const due = await rows<Claimed>(
      tx,
      sql`select o.org_id as "orgId", o.id, o.channel, o.recipients, o.attempts, o.notification_id as "notificationId",
            n.type, n.data, n.created_at as "createdAt", e.url, e.secret,
            (e.enabled and e.deleted_at is null) as live
          from outbox o
          join notifications n on n.org_id = o.org_id and n.id = o.notification_id
          left join webhook_endpoints e on e.org_id = o.org_id and e.id = o.endpoint_id
          where o.status = 'pending' and o.next_attempt_at <= ${now.toISOString()}::timestamptz
            ${withEmail ? sql`` : sql`and o.channel = 'webhook'`}
          order by o.next_attempt_at, o.id
          limit ${BATCH}
          for update of o skip locked`,
    );
    if (due.length === 0) return [];
    await tx.execute(sql`
      update outbox set next_attempt_at = ${new Date(now.getTime() + LEASE_MS).toISOString()}::timestamptz
      from unnest(${sql.param(due.map((d) => d.orgId))}::text[], ${sql.param(due.map((d) => d.id))}::text[]) as u(org_id, id)
      where outbox.org_id = u.org_id and outbox.id = u.id`);
    return due.map((d) => ({ ...d, createdAt: new Date(d.createdAt) }));
  });
}

async function send(ctx: AppContext, row: Claimed): Promise<SendResult | 'cancel'> {
  const message: Message = { id: row.notificationId, type: row.type, data: row.data, createdAt: row.createdAt };
  if (row.channel === 'webhook') {
    if (!row.live || !row.url || !row.secret) return 'cancel';
    return sendWebhook(row.url, row.secret, message, new Date());
  }
  const { transport, mailFrom } = ctx.mail;
  if (!transport) return { ok: false, statusCode: null, error: 'SMTP is not configured' };
  return sendEmail(transport, mailFrom, row.recipients, message);
}

/** Records the attempt and the row's next state; ignores a row another worker took over after the lease ran out. */
async function record(ctx: AppContext, row: Claimed, result: SendResult | 'cancel'): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    const still = await rows<{ attempts: number }>(
      tx,
      sql`select attempts from outbox where org_id = ${row.orgId} and id = ${row.id} and status = 'pending' for update`,
    );
    if (still[0]?.attempts !== row.attempts) return;
    if (result === 'cancel') {
      await tx.execute(sql`update outbox set status = 'cancelled', last_error = 'the webhook endpoint was disabled or deleted'
        where org_id = ${row.orgId} and id = ${row.id}`);
      return;
    }
    const attempt = row.attempts + 1;
    await tx.execute(sql`
      insert into outbox_attempts (org_id, outbox_id, attempt, attempted_at, ok, status_code, error)
      values (${row.orgId}, ${row.id}, ${attempt}, ${now.toISOString()}::timestamptz, ${result.ok}, ${result.statusCode}, ${result.error})`);
    if (result.ok) {
      await tx.execute(sql`update outbox set status = 'delivered', attempts = ${attempt}, delivered_at = ${now.toISOString()}::timestamptz,
        last_error = null where org_id = ${row.orgId} and id = ${row.id}`);
    } else if (shouldRetry(attempt)) {
      const next = new Date(now.getTime() + backoffMs(attempt, Math.random()));
      await tx.execute(sql`update outbox set attempts = ${attempt}, next_attempt_at = ${next.toISOString()}::timestamptz,
        last_error = ${result.error} where org_id = ${row.orgId} and id = ${row.id}`);
    } else {
      await tx.execute(sql`update outbox set status = 'failed', attempts = ${attempt}, last_error = ${result.error}
        where org_id = ${row.orgId} and id = ${row.id}`);
    }
  });
}

/** Batches per run: a backlog drains over a few runs instead of holding one run for long. */
const MAX_BATCHES = 20;

/**
 * One delivery pass: claims what is due, sends it, records each attempt, a
 * batch at a time. A failed row is due only after its backoff, so a pass
 * never retries a row it has just tried. Returns the attempts made.
 */
export async function deliverDue(ctx: AppContext): Promise<number> {
  let attempts = 0;
  for (let round = 0; round < MAX_BATCHES; round++) {
    const claimed = await claim(ctx, ctx.mail.transport !== null);
    await Promise.all(
      claimed.map(async (row) => {
        const result = await send(ctx, row);
        await record(ctx, row, result);
      }),
    );
    attempts += claimed.length;
    if (claimed.length < BATCH) break;
  }
  return attempts;
}
