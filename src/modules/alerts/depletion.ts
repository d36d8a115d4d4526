import type { Q } from '../../db/client.js';
import {enqueue} from '../outbox/index.js';
import { findNewlyDepletedGrants, recordGrantDepleted } from './queries.js';

/**
 * Sends `grant.depleted` once for each grant whose last credit was used:
 * every block started, nothing left, nothing expired (an expired remainder
 * makes the grant `expired`, not depleted), not voided, paid for.
 */
export async function notifyDepletedGrants(tx: Q, orgId: string, now: Date): Promise<void> {
  for (const g of await findNewlyDepletedGrants(tx, orgId, now)) {
    await recordGrantDepleted(tx, orgId, g.id, now);
    await enqueue(tx, {
      orgId,
      type: 'grant.depleted',
      now,
      data: { org_id: orgId, grant_id: g.id, name: g.name, source: g.source },
    });
  }
}
