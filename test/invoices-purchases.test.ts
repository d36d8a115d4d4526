import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { ingest, micro } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

interface Line {
  meter: string;
  description: string;
  quantity: string;
  unit: string;
  unit_price_usd: string;
  amount_usd: string;
}

describe.each(testDatabases)('credit purchases on invoices on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-05-03T12:00:00Z');
  });
  afterAll(() => app.close());

  const buy = async (org: string, key: string, amount: string, price?: string) => {
    const res = await app.call('POST', `/v1/orgs/${org}/purchases`, { amount, idempotency_key: key, ...(price ? { price_usd: price } : {}) });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const confirm = async (org: string, id: string) => {
    const res = await app.call('POST', `/v1/orgs/${org}/purchases/${id}/confirm`); // the platform key confirms
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('paid');
  };
  const invoice = async (org: string, id: string) => {
    const res = await app.call('GET', `/v1/orgs/${org}/invoices/${id}`);
    expect(res.status).toBe(200);
    return res.body as { status: string; lines: Line[]; subtotal_usd: string; credits_applied_usd: string; amount_due_usd: string };
  };
  const holdsIdentity = (inv: { lines: Line[]; subtotal_usd: string; credits_applied_usd: string; amount_due_usd: string }) => {
    expect(micro(inv.subtotal_usd) - micro(inv.credits_applied_usd)).toBe(micro(inv.amount_due_usd));
    expect(inv.lines.reduce((s, l) => s + micro(l.amount_usd), 0n)).toBe(micro(inv.subtotal_usd));
  };

  it('bills purchases paid in the period (org time zone), not pending or failed ones, and the issued invoice keeps them', async () => {
    const org = await seedOrg(app, { timezone: 'Europe/Berlin' }); // 1000 credits per $1

    const paid = await buy(org, 'p-paid', '5000', '49.99');
    await confirm(org, paid);
    const free = await buy(org, 'p-free', '100'); // no price: billed at $0
    await confirm(org, free);
    const failed = await buy(org, 'p-failed', '700', '7');
    expect((await app.call('POST', `/v1/orgs/${org}/purchases/${failed}/fail`, { reason: 'card declined' })).body.status).toBe('failed');
    const pending = await buy(org, 'p-pending', '300', '3');
    await ingest(app, org, [{ meter: 'gpu', quantity: '1', at: '2026-05-03T11:00:00Z' }]); // $2, covered by purchased credits

    const gpu: Line = { meter: 'gpu', description: 'GPU hours', quantity: '1', unit: 'hours', unit_price_usd: '2', amount_usd: '2' };
    const paidLine: Line = {
      meter: 'credit_purchase',
      description: 'Credit purchase (5,000 credits)',
      quantity: '5000',
      unit: 'credits',
      unit_price_usd: '0.009998',
      amount_usd: '49.99',
    };
    const freeLine: Line = {
      meter: 'credit_purchase',
      description: 'Credit purchase (100 credits)',
      quantity: '100',
      unit: 'credits',
      unit_price_usd: '0',
      amount_usd: '0',
    };
    const draft = await invoice(org, 'inv_2026-05');
    expect(draft).toMatchObject({ status: 'draft', subtotal_usd: '51.99', credits_applied: '2000', credits_applied_usd: '2', amount_due_usd: '49.99' });
    expect(draft.lines).toEqual([gpu, paidLine, freeLine]);
    holdsIdentity(draft);
    const listed = await app.call('GET', `/v1/orgs/${org}/invoices`);
    expect(listed.body.data[0]).toEqual(draft);

    // 23:59 on 31 May in Berlin: still May
    app.clock.set('2026-05-31T21:59:00Z');
    const late = await buy(org, 'p-late', '3', '10');
    await confirm(org, late);
    // 00:30 on 1 June in Berlin (still 31 May in UTC): the pending purchase is paid in June
    app.clock.set('2026-05-31T22:30:00Z');
    await confirm(org, pending);

    const lateLine: Line = {
      meter: 'credit_purchase',
      description: 'Credit purchase (3 credits)',
      quantity: '3',
      unit: 'credits',
      unit_price_usd: '3.333333',
      amount_usd: '10',
    };
    const ended = await invoice(org, 'inv_2026-05'); // ended, not closed yet: computed, shown as issued
    expect(ended).toMatchObject({ status: 'issued', subtotal_usd: '61.99', credits_applied_usd: '2', amount_due_usd: '59.99' });
    expect(ended.lines).toEqual([gpu, paidLine, freeLine, lateLine]);
    holdsIdentity(ended);

    await app.scheduler.runOnce();
    const issued = await invoice(org, 'inv_2026-05');
    expect(issued).toEqual({ ...ended, issued_at: '2026-05-31T22:30:00.000Z' });

    const pendingLine: Line = {
      meter: 'credit_purchase',
      description: 'Credit purchase (300 credits)',
      quantity: '300',
      unit: 'credits',
      unit_price_usd: '0.01',
      amount_usd: '3',
    };
    const june = await invoice(org, 'inv_2026-06');
    expect(june).toMatchObject({ status: 'draft', subtotal_usd: '3', credits_applied_usd: '0', amount_due_usd: '3' });
    expect(june.lines).toEqual([pendingLine]);
    holdsIdentity(june);

    // a purchase paid after the close lands on June's draft; the issued May invoice does not move
    const more = await buy(org, 'p-june', '1000', '9');
    await confirm(org, more);
    expect(await invoice(org, 'inv_2026-05')).toEqual(issued);
    const june2 = await invoice(org, 'inv_2026-06');
    expect(june2.lines.map((l) => l.description)).toEqual(['Credit purchase (300 credits)', 'Credit purchase (1,000 credits)']);
    expect(june2).toMatchObject({ subtotal_usd: '12', amount_due_usd: '12' });

    // the paid invoice still carries its purchase lines
    const marked = await app.call('POST', `/v1/orgs/${org}/invoices/inv_2026-05/pay`);
    expect(marked.body).toMatchObject({ status: 'paid', lines: ended.lines, amount_due_usd: '59.99' });
  });

  it('an organization with only failed and pending purchases has no purchase lines and nothing due', async () => {
    app.clock.set('2026-07-10T08:00:00Z');
    const org = await seedOrg(app);
    const failed = await buy(org, 'f-1', '50', '5');
    await app.call('POST', `/v1/orgs/${org}/purchases/${failed}/fail`, { reason: 'expired card' });
    await buy(org, 'p-1', '60', '6');
    const draft = await invoice(org, 'inv_2026-07');
    expect(draft).toMatchObject({ status: 'draft', lines: [], subtotal_usd: '0', credits_applied_usd: '0', amount_due_usd: '0' });
    app.clock.set('2026-08-01T00:00:00Z');
    await app.scheduler.runOnce();
    expect(await invoice(org, 'inv_2026-07')).toMatchObject({ status: 'issued', lines: [], subtotal_usd: '0', amount_due_usd: '0' });
  });
});
