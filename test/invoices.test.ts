import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoiceTotals } from '../src/domain/statement.js';
import { seedOrg, startTestApp, type TestApp, roleKey } from './helpers/app.js';
import { grant, ingest, micro } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

describe('invoice arithmetic', () => {
  it('subtotal − credits applied = amount due, never negative, for any usage, overage and purchases', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { maxLength: 5 }),
        (usageUsd, consumed, overagePart, creditFactor, prices) => {
          const overage = overagePart > consumed ? consumed : overagePart;
          const purchasesUsd = prices.reduce((s, p) => s + p, 0n);
          const t = invoiceTotals({ usageUsd, purchasesUsd, consumed, overage, creditFactor });
          expect(t.subtotalUsd - t.creditsAppliedUsd).toBe(t.amountDueUsd);
          expect(t.amountDueUsd >= 0n && t.creditsAppliedUsd >= 0n).toBe(true);
          expect(t.subtotalUsd).toBe(usageUsd + purchasesUsd);
          expect(t.creditsApplied).toBe(consumed - overage);
          // credits offset usage only: purchases are always due in full
          expect(t.creditsAppliedUsd <= usageUsd).toBe(true);
          expect(t.amountDueUsd >= purchasesUsd).toBe(true);
          // the purchases change nothing about how usage is covered
          const usageOnly = invoiceTotals({ usageUsd, consumed, overage, creditFactor });
          expect(t.creditsAppliedUsd).toBe(usageOnly.creditsAppliedUsd);
          expect(t.amountDueUsd).toBe(usageOnly.amountDueUsd + purchasesUsd);
          if (overage === 0n && creditFactor > 0n) expect(t.amountDueUsd).toBe(purchasesUsd);
        },
      ),
    );
  });

  it.each([
    // usage $4, 4000 credits consumed of which 1000 overage, 1000 credits per $: $1 due
    [4_000_000n, 0n, 4_000_000_000n, 1_000_000_000n, 1_000_000_000n, 4_000_000n, 3_000_000n, 1_000_000n],
    // no overage: all covered
    [2_500_000n, 0n, 2_500_000_000n, 0n, 1_000_000_000n, 2_500_000n, 2_500_000n, 0n],
    // credit tracking off: everything due
    [7_000_000n, 0n, 0n, 0n, 0n, 7_000_000n, 0n, 7_000_000n],
    // overage valued above the usage (credit-priced meters): usage due is capped at the usage
    [1_000_000n, 0n, 5_000_000n, 5_000_000n, 1_000_000n, 1_000_000n, 0n, 1_000_000n],
    // $49.99 purchase, usage fully covered: the purchase alone is due
    [2_500_000n, 49_990_000n, 2_500_000_000n, 0n, 1_000_000_000n, 52_490_000n, 2_500_000n, 49_990_000n],
    // $10 purchase and $1 of overage on $4 usage: $11 due, $3 covered
    [4_000_000n, 10_000_000n, 4_000_000_000n, 1_000_000_000n, 1_000_000_000n, 14_000_000n, 3_000_000n, 11_000_000n],
    // a purchase and no usage at all
    [0n, 5_000_000n, 0n, 0n, 1_000_000_000n, 5_000_000n, 0n, 5_000_000n],
  ])(
    'usage %s purchases %s consumed %s overage %s factor %s → subtotal %s, applied %s, due %s',
    (usageUsd, purchasesUsd, consumed, overage, creditFactor, subtotal, applied, due) => {
      const t = invoiceTotals({ usageUsd, purchasesUsd, consumed, overage, creditFactor });
      expect([t.subtotalUsd, t.creditsAppliedUsd, t.amountDueUsd]).toEqual([subtotal, applied, due]);
    },
  );
});

describe.each(testDatabases)('invoices on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-05-03T12:00:00Z');
  });
  afterAll(() => app.close());

  it('a draft follows usage, overage appears as amount due, close issues it, the operator pays or voids', async () => {
    const org = await seedOrg(app, { timezone: 'Europe/Berlin' }); // 1000 credits per $1
    await grant(app, org, { amount: '3000' });
    await ingest(app, org, [{ meter: 'gpu', quantity: '1', at: '2026-05-03T11:00:00Z' }]);
    let list = await app.call('GET', `/v1/orgs/${org}/invoices`);
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ id: 'inv_2026-05', status: 'draft', subtotal_usd: '2', amount_due_usd: '0' });

    await ingest(app, org, [
      { meter: 'gpu', quantity: '1', at: '2026-05-03T11:30:00Z' }, // $2 = 2000 credits, 1000 of them overage
      { meter: 'runs', quantity: '1', at: '2026-05-03T11:40:00Z' }, // 0.25 credits, all overage
    ]);
    const draft = await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-05`);
    expect(draft.body).toMatchObject({
      status: 'draft',
      // whole cents: the $0.00025 of runs rounds to $0.00, the 1000.25 overage credits to $1.00
      subtotal_usd: '4',
      credits_applied: '3000',
      credits_applied_usd: '3',
      amount_due_usd: '1',
      issued_at: null,
    });
    expect(draft.body.lines).toEqual([
      { meter: 'gpu', description: 'GPU hours', quantity: '2', unit: 'hours', unit_price_usd: '2', amount_usd: '4' },
      { meter: 'runs', description: 'Workflow runs', quantity: '1', unit: 'runs', unit_price_usd: '0.00025', amount_usd: '0' },
    ]);
    const d = draft.body;
    expect(micro(d.subtotal_usd) - micro(d.credits_applied_usd)).toBe(micro(d.amount_due_usd));

    expect((await app.call('POST', `/v1/orgs/${org}/invoices/inv_2026-05/pay`)).status).toBe(409);
    app.clock.set('2026-06-01T00:00:00Z'); // 02:00 in Berlin: May has ended
    await app.scheduler.runOnce();
    const issued = await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-05`);
    expect(issued.body).toMatchObject({ ...d, status: 'issued', issued_at: '2026-06-01T00:00:00.000Z' });
    list = await app.call('GET', `/v1/orgs/${org}/invoices`);
    expect(list.body.data.map((i: { id: string; status: string }) => `${i.id}:${i.status}`)).toEqual(['inv_2026-06:draft', 'inv_2026-05:issued']);

    const owner = await app.call('POST', `/v1/orgs/${org}/api-keys`, { name: 'o', role: 'owner' });
    const asOwner = { authorization: `Bearer ${owner.body.secret}` };
    expect((await app.call('POST', `/v1/orgs/${org}/invoices/inv_2026-05/pay`, undefined, asOwner)).status).toBe(403);
    const paid = await app.call('POST', `/v1/orgs/${org}/invoices/inv_2026-05/pay`, undefined, { 'idempotency-key': 'pay-1' });
    expect(paid.body).toMatchObject({ status: 'paid', paid_at: '2026-06-01T00:00:00.000Z', amount_due_usd: '1' });
    // a retry with the same key gets the same answer instead of a conflict
    const retry = await app.call('POST', `/v1/orgs/${org}/invoices/inv_2026-05/pay`, undefined, { 'idempotency-key': 'pay-1' });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(paid.body);
    const again = await app.call('POST', `/v1/orgs/${org}/invoices/inv_2026-05/void`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
    expect((await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-05`, undefined, asOwner)).body.status).toBe('paid');

    const manager = await roleKey(app, org, 'manager');
    expect((await app.call('GET', `/v1/orgs/${org}/invoices`, undefined, { authorization: `Bearer ${manager}` })).status).toBe(403);
    expect((await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-07`)).status).toBe(404);
    expect((await app.call('GET', `/v1/orgs/${org}/invoices/nope`)).status).toBe(404);
  });

  it('voids an issued invoice', async () => {
    app.clock.set('2026-07-10T00:00:00Z');
    const org = await seedOrg(app);
    await ingest(app, org, [{ meter: 'gpu', quantity: '0.5', at: '2026-07-09T00:00:00Z' }]);
    app.clock.set('2026-08-02T00:00:00Z');
    await app.scheduler.runOnce();
    const inv = await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-07`);
    // no credits at all: the whole subtotal is overage, hence due
    expect(inv.body).toMatchObject({ status: 'issued', subtotal_usd: '1', credits_applied: '0', amount_due_usd: '1' });
    const voided = await app.call('POST', `/v1/orgs/${org}/invoices/inv_2026-07/void`);
    expect(voided.body).toMatchObject({ status: 'void', voided_at: '2026-08-02T00:00:00.000Z' });
  });
});
