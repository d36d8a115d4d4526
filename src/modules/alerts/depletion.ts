import { sql } from 'drizzle-orm';
import { rows, type Q } from '../../db/client.js';
import { enqueue } from '../outbox/index.js';

/**
 * Sends `grant.depleted` once for each grant whose last credit was used:
 * every block started, nothing left, nothing expired (an expired remainder
 * makes the grant `expired`, not depleted), not voided, paid for.
 */
export async function notifyDepletedGrants(tx: Q, orgId: string, now: Date): Promise<void> {
  const depleted = await rows<{ id: string; name: string; source: string; amount: bigint }>(
    tx,
    sql`select g.id, g.name, g.source, sum(b.amount)::bigint as amount
        from grants g join blocks b on b.org_id = g.org_id and b.grant_id = g.id
        where g.org_id = ${orgId} and g.voided_at is null and not g.pending_payment
          and not exists (select 1 from grant_depletions d where d.org_id = g.org_id and d.grant_id = g.id)
        group by g.id, g.name, g.source
        having max(b.remaining) = 0 and max(b.expired_amount) = 0 and max(b.starts_at) <= ${now.toISOString()}::timestamptz`,
  );
  for (const g of depleted) {
    await tx.execute(sql`insert into grant_depletions (org_id, grant_id, notified_at)
      values (${orgId}, ${g.id}, ${now.toISOString()}::timestamptz) on conflict do nothing`);
    await enqueue(tx, {
      orgId,
      type: 'grant.depleted',
      now,
      data: { org_id: orgId, grant_id: g.id, name: g.name, source: g.source },
    });
  }
}
