import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { TallyApiError, TallyClient } from '../../src/client/index.js';

/**
 * "Acme Notebooks", a made-up platform that meters its customers with Tally. Plain node:http, no
 * framework: every Tally call is in this file, so it reads as the integration guide's code.
 *
 * - Usage goes to Tally as CloudEvents (the same events it might send to OpenMeter or Kong).
 * - Before a job it asks Tally `check`, holds the credits while the job runs and captures what
 *   the job used (the generated, typed client).
 * - The billing page embeds Tally's dashboard for the signed-in user with an embed link.
 * - Tally's webhooks are received and verified with the `standardwebhooks` package.
 */
export interface HostAppOptions {
  /** where Tally runs, e.g. http://127.0.0.1:4000 */
  tallyUrl: string;
  /** a platform key (or an owner key of the organization) */
  tallyKey: string;
  /** the Tally organization of the signed-in customer */
  org: string;
  /** the signed-in user (a member of that organization); a real app takes it from its session */
  user: { id: string; name: string };
  /** the secret Tally showed when the webhook endpoint was created */
  webhookSecret?: string | undefined;
  host?: string;
  port?: number;
}

export interface ReceivedWebhook {
  id: string;
  type: string;
  data: unknown;
}

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem} iframe{width:100%;height:640px;border:1px solid #ccc;border-radius:8px}</style>
</head><body>${body}</body></html>`;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startHostApp(options: HostAppOptions): Promise<{ url: string; received: ReceivedWebhook[]; close(): Promise<void> }> {
  const tally = new TallyClient({ baseUrl: options.tallyUrl, key: options.tallyKey });
  const received: ReceivedWebhook[] = [];
  const { org, user } = options;

  /** A notebook run: check → hold → run → capture, then the usage as a CloudEvent. */
  async function runJob(estimate: string, tokens: number): Promise<string> {
    const check = await tally.check(org, { member: user.id, amount: estimate });
    if (!check.allowed) return `Not started: ${check.message ?? 'not enough credits'}`;
    const jobId = `job-${randomUUID().slice(0, 8)}`;
    const hold = await tally.hold(org, { member: user.id, amount: estimate, job_id: jobId });
    try {
      // … the notebook runs here and reports what it used …
      const used = (tokens / 1000).toString();
      await tally.capture(org, hold.id, { amount: used });
      const usage = await tally.ingestCloudEvents([
        {
          specversion: '1.0',
          id: jobId,
          source: 'acme-notebooks',
          type: 'notebook_tokens',
          subject: `${org}/${user.id}`,
          time: new Date().toISOString(),
          data: { tokens, notebook: 'forecast.ipynb', job_id: jobId },
        },
      ]);
      return `Job ${jobId} done: held ${hold.amount}, captured ${used} credits; usage event ${usage.results[0]?.status ?? 'unknown'}.`;
    } catch (error) {
      await tally.release(org, hold.id).catch(() => undefined);
      throw error;
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://host-app');
    if (request.method === 'GET' && url.pathname === '/') {
      const result = url.searchParams.get('result');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        page(
          'Acme Notebooks',
          `<h1>Acme Notebooks</h1><p>Signed in as <strong data-testid="user">${escape(user.name)}</strong></p>
<form method="post" action="/jobs"><label>Tokens the job will use <input name="tokens" value="12500"></label>
<button type="submit">Run notebook</button></form>
${result ? `<p data-testid="job-result">${escape(result)}</p>` : ''}
<p><a href="/billing">Billing and usage</a></p>`,
        ),
      );
      return;
    }
    if (request.method === 'POST' && url.pathname === '/jobs') {
      const form = new URLSearchParams(await readBody(request));
      const tokens = Math.max(0, Math.floor(Number(form.get('tokens') ?? 0)));
      let result: string;
      try {
        result = await runJob('20', tokens);
      } catch (error) {
        result = error instanceof TallyApiError ? `Tally refused: ${error.message} (${error.code})` : `Failed: ${(error as Error).message}`;
      }
      response.writeHead(303, { location: `/?result=${encodeURIComponent(result)}` });
      response.end();
      return;
    }
    if (request.method === 'GET' && url.pathname === '/billing') {
      // A fresh, short-lived embed link for the signed-in user: the iframe signs them in as that member.
      const embed = await tally.createEmbedToken(org, user.id, 15 * 60);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        page(
          'Billing — Acme Notebooks',
          `<h1>Billing and usage</h1>
<script src="${escape(options.tallyUrl)}/embed.js" async></script>
<iframe data-testid="tally-embed" title="Tally billing dashboard" src="${escape(embed.url)}"></iframe>`,
        ),
      );
      return;
    }
    if (request.method === 'POST' && url.pathname === '/webhooks/tally') {
      const body = await readBody(request);
      // read per request: the secret may be set after the app starts (Tally shows it when the endpoint is created)
      const webhook = options.webhookSecret ? new Webhook(options.webhookSecret) : undefined;
      if (!webhook) {
        response.writeHead(503).end('no webhook secret configured');
        return;
      }
      try {
        // Checks the HMAC signature and refuses timestamps more than 5 minutes off (replays).
        const message = webhook.verify(body, request.headers as Record<string, string>) as { type: string; data: unknown };
        received.push({ id: String(request.headers['webhook-id']), type: message.type, data: message.data });
        response.writeHead(204).end();
      } catch {
        response.writeHead(400).end('invalid signature');
      }
      return;
    }
    if (request.method === 'GET' && url.pathname === '/webhooks/tally') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(received));
      return;
    }
    response.writeHead(404).end('not found');
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`error: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    received,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
