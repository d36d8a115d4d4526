import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InjectOptions } from 'fastify';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { createApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/client.js';
import { PLATFORM_KEY, type Response } from './app.js';
import type { TestDatabase } from './db.js';

type App = Awaited<ReturnType<typeof createApp>>;

/** A test app that can be restarted on the same database, with optional SMTP. */
export interface NotifyApp {
  db: Database;
  clock: ManualClock;
  app: App;
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** runs the scheduler's jobs once (block expiry, outbox delivery) */
  tick(): Promise<Record<string, number>>;
  /** closes the server and opens a new one on the same database, as a server restart would */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startNotifyApp(
  target: TestDatabase,
  opts: { smtpUrl?: string; start?: string } = {},
): Promise<NotifyApp> {
  const db = await target.open();
  const clock = new ManualClock(opts.start ?? '2026-03-10T12:00:00Z');
  const open = () => createApp({ db, clock, platformKey: PLATFORM_KEY, log: pino({ level: 'error' }), smtpUrl: opts.smtpUrl });
  const handle: NotifyApp = {
    db,
    clock,
    app: await open(),
    async call(method, url, body, headers = {}) {
      const allHeaders: Record<string, string> = { authorization: `Bearer ${PLATFORM_KEY}`, ...headers };
      const options: InjectOptions = { method, url, headers: allHeaders };
      if (body !== undefined) options.payload = body as object;
      const res = await handle.app.server.inject(options);
      let parsed: unknown;
      try {
        parsed = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.statusCode, body: parsed, text: res.body, headers: res.headers };
    },
    tick: () => handle.app.scheduler.runOnce(),
    async restart() {
      await handle.app.close();
      handle.app = await open();
    },
    async close() {
      await handle.app.close();
      await db.close();
    },
  };
  return handle;
}

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A real HTTP receiver on loopback; answers with the queued statuses, then 204. */
export class HookReceiver {
  readonly received: ReceivedHook[] = [];
  readonly statuses: number[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.statuses.shift() ?? 204;
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  /** Verifies a received request with the public standardwebhooks library; throws when the signature is wrong. */
  verify(hook: ReceivedHook, secret: string): { type: string; data: Record<string, unknown> } {
    const headers = {
      'webhook-id': String(hook.headers['webhook-id']),
      'webhook-timestamp': String(hook.headers['webhook-timestamp']),
      'webhook-signature': String(hook.headers['webhook-signature']),
    };
    return new Webhook(secret).verify(hook.body, headers) as { type: string; data: Record<string, unknown> };
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server (smtp-server) on a loopback port. */
export class MailReceiver {
  readonly mails: ReceivedMail[] = [];
  private server: SMTPServer | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const port = (this.server.server.address() as AddressInfo).port;
    this.url = `smtp://127.0.0.1:${port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
