import { sql } from 'drizzle-orm';
import { rows } from '../../src/db/client.js';
import { eventId, type TestApp } from './app.js';

export interface Usage {
  meter?: string;
  quantity: string;
  at: string;
  user?: string;
  project?: string;
  resource_class?: string;
  job_id?: string;
  job_name?: string;
  id?: string;
}

/** Ingests events through the API and fails loudly if any is not accepted. */
export async function ingest(app: TestApp, org: string, usage: Usage[]): Promise<void> {
  const res = await app.call('POST', '/v1/events', {
    events: usage.map((u) => ({
      id: u.id ?? eventId(),
      org,
      meter: u.meter ?? 'tokens',
      quantity: u.quantity,
      timestamp: u.at,
      ...(u.user ? { user: u.user } : {}),
      ...(u.project ? { project: u.project } : {}),
      ...(u.resource_class ? { resource_class: u.resource_class } : {}),
      ...(u.job_id ? { job_id: u.job_id } : {}),
      ...(u.job_name ? { job_name: u.job_name } : {}),
    })),
  });
  if (res.status !== 200 || res.body.rejected > 0) throw new Error(`ingest failed: ${res.text}`);
}

export async function grant(app: TestApp, org: string, body: Record<string, unknown>): Promise<string> {
  const res = await app.call('POST', `/v1/orgs/${org}/grants`, { name: 'Grant', source: 'included', ...body });
  if (res.status !== 201) throw new Error(`grant failed: ${res.text}`);
  return res.body.id as string;
}

/**
 * The organization's balance at an instant straight from the raw ledger
 * (blocks + held + overage accounts), independent of every rollup.
 */
export async function rawBalanceBefore(app: TestApp, org: string, before: string): Promise<bigint> {
  const [row] = await app.db.read((q) =>
    rows<{ balance: bigint }>(
      q,
      sql`select coalesce(sum(case when to_account like 'block:%' or to_account in ('held', 'overage') then amount else 0 end
            - case when from_account like 'block:%' or from_account in ('held', 'overage') then amount else 0 end), 0)::bigint as balance
          from ledger_entries where org_id = ${org} and occurred_at < ${before}::timestamptz`,
    ),
  );
  return BigInt(row!.balance);
}

/** "12.5" → 12500000n */
export function micro(decimal: string): bigint {
  const [whole, fraction = ''] = decimal.replace('-', '').split('.');
  const value = BigInt(whole!) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return decimal.startsWith('-') ? -value : value;
}
