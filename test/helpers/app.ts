import type { FastifyInstance, InjectOptions } from 'fastify';
import pino from 'pino';
import { createApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import type { AppContext } from '../../src/context.js';
import type { Database } from '../../src/db/client.js';
import type { TestDatabase } from './db.js';

export const PLATFORM_KEY = 'tp_test-platform-key-0123456789abcdef';

export interface TestApp {
  db: Database;
  ctx: AppContext;
  clock: ManualClock;
  server: FastifyInstance;
  scheduler: Awaited<ReturnType<typeof createApp>>['scheduler'];
  /** inject with the platform key unless another Authorization is given */
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export interface Response {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read JSON freely
  text: string;
  headers: Record<string, unknown>;
}

export async function startTestApp(target: TestDatabase, start = '2026-03-10T12:00:00Z'): Promise<TestApp> {
  const db = await target.open();
  const clock = new ManualClock(start);
  const app = await createApp({ db, clock, platformKey: PLATFORM_KEY, log: pino({ level: 'error' }) });
  return {
    db,
    ctx: app.ctx,
    clock,
    server: app.server,
    scheduler: app.scheduler,
    async call(method, url, body, headers = {}) {
      const allHeaders: Record<string, string> = { authorization: `Bearer ${PLATFORM_KEY}`, ...headers };
      const options: InjectOptions = { method: method ?? 'GET', url, headers: allHeaders };
      if (typeof body === 'string') {
        options.payload = body;
        allHeaders['content-type'] = 'application/json';
      } else if (body !== undefined) {
        options.payload = body as object;
      }
      const res = await app.server.inject(options);
      let parsed: unknown = undefined;
      try {
        parsed = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.statusCode, body: parsed, text: res.body, headers: res.headers };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** A fresh organization with a few meters: the usual start of a test. */
export async function seedOrg(app: TestApp, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await app.call('POST', '/v1/orgs', { name: 'Acme', timezone: 'UTC', credit_factor: '1000', ...overrides });
  if (res.status !== 201) throw new Error(`org create failed: ${res.text}`);
  for (const [key, m] of Object.entries(TEST_METERS)) {
    const put = await app.call('PUT', `/v1/meters/${key}`, m);
    if (put.status !== 200) throw new Error(`meter failed: ${put.text}`);
  }
  return res.body.id as string;
}

export const TEST_METERS = {
  tokens: { name: 'Tokens', unit: 'tokens', category: 'agent_chat', aggregation: 'sum', unit_price: '1', price_currency: 'credits' },
  gpu: {
    name: 'GPU hours',
    unit: 'hours',
    category: 'training',
    aggregation: 'sum',
    unit_price: '2',
    price_currency: 'usd',
    resource_class_prices: { a100: '3.5' },
  },
  runs: { name: 'Workflow runs', unit: 'runs', category: 'workflows', aggregation: 'count', unit_price: '0.25', price_currency: 'credits' },
};

let counter = 0;
export function eventId(): string {
  counter += 1;
  return `e${process.pid}-${Date.now()}-${counter}`;
}

/**
 * An organization API key with a role. Manager and member keys act as a
 * member, so one is created for them first.
 */
export async function roleKey(app: TestApp, org: string, role: 'owner' | 'billing_admin' | 'manager' | 'member'): Promise<string> {
  let member: string | undefined;
  if (role === 'manager' || role === 'member') {
    const email = `${role}-${Math.random().toString(36).slice(2, 10)}@example.com`;
    const created = await app.call('POST', `/v1/orgs/${org}/members`, { email, name: role, role });
    if (created.status !== 201) throw new Error(`member create failed: ${created.text}`);
    member = created.body.id as string;
  }
  const key = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: role, role, member });
  if (key.status !== 201) throw new Error(`key create failed: ${key.text}`);
  return key.body.secret as string;
}
