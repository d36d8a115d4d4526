import type { AppContext } from '../context.js';
import { nextPeriod } from '../domain/periods.js';
import { periodByKey, periodContaining } from '../domain/time.js';
import { invoiceId, issueInvoice } from '../modules/invoices/index.js';
import { bookDueExpiries } from '../modules/ledger/expiry.js';
import { emitDomainEvent, runBalanceChanged } from '../modules/ledger/index.js';
import { lockOrg, tryLockOrg } from '../modules/orgs/index.js';
import { eachOrg } from './isolate.js';
import {
  isStatementClosed,
  recordPeriodClose,
  sealStatement,
  statementProgress,
  statementView,
  storeClosedStatement,
} from '../modules/statements/index.js';
import { statementKey } from '../modules/signing/index.js';

export const PERIOD_CLOSE = 'period-close';

/**
 * Closes one ended period of one organization: books the expiries due up to
 * now (so every entry of the period is written), stores the statement (identity
 * checked), issues the invoice and records the run, in one transaction. The
 * organization row is taken with SKIP LOCKED: if another instance (or a
 * writer) holds it, this instance moves on and a later tick retries. Inside
 * the lock the "already closed?" check makes the transition happen once.
 */
export async function closePeriod(ctx: AppContext, orgId: string, periodKey: string, instance: string): Promise<number> {
  // Loaded before the transaction: the first load writes server_keys in a transaction of its own.
  const key = await statementKey(ctx.db, ctx.clock.now());
  return ctx.db.transaction(async (tx) => {
    if (!(await tryLockOrg(tx, orgId))) return 0;
    const org = await lockOrg(tx, orgId);
    const now = ctx.clock.now();
    const period = periodByKey(periodKey, org.timezone);
    if (period.endsAt > now) return 0;
    const booked = await bookDueExpiries(ctx, tx, orgId, now);
    const statement = await storeClosedStatement(tx, org, period, now);
    if (!statement) return 0;
    await sealStatement(tx, { orgId, period, summary: statement.summary, closedAt: now, key });
    const issued = await issueInvoice(tx, org, statement, now);
    await recordPeriodClose(tx, PERIOD_CLOSE, orgId, periodKey, instance, now);
    await emitDomainEvent(ctx.hooks, { tx, orgId, now, type: 'statement.closed', data: { period: periodKey, statement: statementView(statement) } });
    if (issued) await emitDomainEvent(ctx.hooks, { tx, orgId, now, type: 'invoice.issued', data: { period: periodKey, invoice_id: invoiceId(periodKey) } });
    if (booked > 0) await runBalanceChanged(ctx.hooks, { tx, org, now });
    return 1;
  });
}

/** Every organization's ended periods without a statement, oldest first: a missed run catches up. */
export async function closeDuePeriods(ctx: AppContext, instance: string): Promise<number> {
  const now = ctx.clock.now();
  const orgs = await statementProgress(ctx);
  // One organization's failure (e.g. a broken identity) must not stop the others' closes.
  return eachOrg(ctx, PERIOD_CLOSE, orgs, (org) => org.id, async (org) => {
    let closed = 0;
    const zone = org.timezone;
    const current = periodContaining(now, zone);
    let p = org.last ? nextPeriod(periodByKey(org.last, zone), zone) : periodContaining(org.createdAt, zone);
    while (p.key < current.key) {
      const done = await closePeriod(ctx, org.id, p.key, instance);
      if (done === 0 && !(await isStatementClosed({ ctx, orgId: org.id, period: p.key }))) break; // busy: keep the order, retry next tick
      closed += done;
      p = nextPeriod(p, zone);
    }
    return closed;
  });
}
