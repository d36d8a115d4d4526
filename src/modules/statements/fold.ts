import type { LedgerHooks } from '../ledger/index.js';
import { foldWrites } from './queries.js';

/**
 * ctx.hooks.balanceWrites: folds new ledger entries into ledger_daily in the
 * transaction that wrote them, in one statement with that transaction's last write.
 */
export const foldChangedLedgers: LedgerHooks['balanceWrites'][number] = ({ orgs }) =>
  foldWrites(orgs.map(({ org }) => ({ orgId: org.id, zone: org.timezone })));
