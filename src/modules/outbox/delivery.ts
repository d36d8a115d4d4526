import type { AppContext } from '../../context.js';
import { backoffMs, shouldRetry } from '../../domain/backoff.js';
import {
  cancelDelivery,
  insertAttempt,
  leaseDeliveries,
  lockDueDeliveries,
  lockPendingAttempts,
  markDelivered,
  markFailed,
  scheduleRetry,
  type DueDelivery,
} from './queries.js';
import { sendEmail, sendWebhook, type Message, type SendResult } from './senders.js';

/** A claimed row is leased for this long; a worker that dies mid-send loses nothing, the lease runs out. */
const LEASE_MS = 5 * 60 * 1000;
const BATCH = 50;

type Claimed = DueDelivery;

/**
 * Takes due outbox rows: `FOR UPDATE SKIP LOCKED` lets several servers on one
 * PostgreSQL share the work without taking the same row; the lease (moving
 * next_attempt_at forward) is committed before anything is sent, so the send
 * happens outside any transaction. Email rows wait while SMTP is not set up.
 */
async function claim(ctx: AppContext, withEmail: boolean): Promise<Claimed[]> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    const due = await lockDueDeliveries(tx, now, withEmail, BATCH);
    if (due.length === 0) return [];
    await leaseDeliveries(tx, due, new Date(now.getTime() + LEASE_MS));
    return due;
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
    if ((await lockPendingAttempts(tx, row.orgId, row.id)) !== row.attempts) return;
    if (result === 'cancel') {
      await cancelDelivery(tx, row.orgId, row.id);
      return;
    }
    const attempt = row.attempts + 1;
    await insertAttempt(tx, row.orgId, row.id, { attempt, at: now, ok: result.ok, statusCode: result.statusCode, error: result.error });
    if (result.ok) {
      await markDelivered(tx, row.orgId, row.id, attempt, now);
    } else if (shouldRetry(attempt)) {
      await scheduleRetry(tx, row.orgId, row.id, attempt, new Date(now.getTime() + backoffMs(attempt, Math.random())), result.error);
    } else {
      await markFailed(tx, row.orgId, row.id, attempt, result.error);
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
