import type { LedgerHooks } from '../ledger/index.js';
import { foldLedgerOf } from './queries.js';

/** ctx.hooks.balanceChanged: folds new ledger entries into ledger_daily in the transaction that wrote them. */
export const foldChangedLedgers: LedgerHooks['balanceChanged'][number] = ({ tx, orgs }) =>
  foldLedgerOf(tx, orgs.map(({ org }) => ({ orgId: org.id, zone: org.timezone })));
