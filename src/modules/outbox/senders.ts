import { Webhook } from 'standardwebhooks';
import type { Transporter } from 'nodemailer';
import { describeNotification } from './messages.js';

export interface Message {
  id: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

const TIMEOUT_MS = 10_000;

/** The Standard Webhooks body: `{type, timestamp, data}`; the id travels in `webhook-id`. */
export function webhookBody(m: Message): string {
  return JSON.stringify({ type: m.type, timestamp: m.createdAt.toISOString(), data: m.data });
}

/**
 * POSTs a message signed per Standard Webhooks (HMAC-SHA256 over
 * `id.timestamp.body`). The signing time is the wall clock at sending, not
 * the business clock: receivers check it against their own clock to refuse
 * replays. Any 2xx is a delivery; redirects are not followed.
 */
export async function sendWebhook(url: string, secret: string, m: Message, sentAt: Date): Promise<SendResult> {
  const body = webhookBody(m);
  const signature = new Webhook(secret).sign(m.id, sentAt, body);
  try {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tally-Webhooks/1',
        'webhook-id': m.id,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
    });
    await res.body?.cancel();
    const ok = res.status >= 200 && res.status < 300;
    return { ok, statusCode: res.status, error: ok ? null : `HTTP ${res.status}` };
  } catch (error) {
    return { ok: false, statusCode: null, error: short(error) };
  }
}

export async function sendEmail(transport: Transporter, from: string, to: string[], m: Message): Promise<SendResult> {
  const { subject, text } = describeNotification(m.type, m.data);
  try {
    await transport.sendMail({ from, to, subject, text, headers: { 'X-Tally-Message-Id': m.id }, messageId: `<${m.id}@tally>` });
    return { ok: true, statusCode: null, error: null };
  } catch (error) {
    return { ok: false, statusCode: null, error: short(error) };
  }
}

function short(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string; code?: string } };
  const detail = e.cause?.code ?? e.cause?.message;
  return `${e.message ?? String(error)}${detail ? ` (${detail})` : ''}`.slice(0, 500);
}
