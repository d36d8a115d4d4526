import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { grant, ingest, micro } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

/** Issue 12's wrong figures, each as a user would read it. */

const sumLines = (lines: { amount_usd: string }[]) => lines.reduce((s, l) => s + micro(l.amount_usd), 0n);

function expectInvoiceIdentity(inv: { lines: { amount_usd: string }[]; subtotal_usd: string; credits_applied_usd: string; amount_due_usd: string }) {
  expect(sumLines(inv.lines)).toBe(micro(inv.subtotal_usd));
  expect(micro(inv.subtotal_usd) - micro(inv.credits_applied_usd)).toBe(micro(inv.amount_due_usd));
  for (const v of [...inv.lines.map((l) => l.amount_usd), inv.subtotal_usd, inv.credits_applied_usd, inv.amount_due_usd]) {
    expect(micro(v) % 10_000n, `${v} is whole cents`).toBe(0n);
  }
}

describe.each(testDatabases)('wrong figures of issue 12 on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-10-15T12:00:00Z');
  });
  afterAll(() => app.close());

  // Kolkata is +5:30, Adelaide +10:30 in December: the 30-minute offsets.
  it.each(['Europe/Amsterdam', 'Asia/Kolkata', 'Australia/Adelaide'])(
    'on the first day of the month in %s, the included card shows this month’s grant only, unused',
    async (timezone) => {
      app.clock.set('2026-10-15T12:00:00Z');
      const org = await seedOrg(app, { timezone });
      // UTC-aligned plan grants, as an integration that thinks in UTC creates them
      await grant(app, org, { name: 'Plan, November', amount: '8000', starts_at: '2026-11-01T00:00:00Z', expires_at: '2026-12-01T00:00:00Z' });
      await grant(app, org, { name: 'Plan, December', amount: '8000', starts_at: '2026-12-01T00:00:00Z', expires_at: '2027-01-01T00:00:00Z' });
      app.clock.set('2026-12-01T00:30:00Z'); // Dec 1 in every one of these zones; November's grant has just ended
      await app.scheduler.runOnce();
      const card = await app.call('GET', `/v1/orgs/${org}/usage/included`);
      expect(card.status).toBe(200);
      expect(card.body).toMatchObject({ period: '2026-12', granted: '8000', used: '0', remaining: '8000', pct_used: 0 });
    },
  );

  it('invoice lines are whole cents, rounded once half-even, and the subtotal is their sum', async () => {
    app.clock.set('2026-10-15T12:00:00Z');
    const org = await seedOrg(app, { timezone: 'Asia/Kolkata' });
    await grant(app, org, { amount: '100000' });
    await ingest(app, org, [
      { meter: 'gpu', quantity: '0.123456', at: '2026-10-15T10:00:00Z' }, // $0.246912 → $0.25
      { meter: 'gpu', quantity: '0.0111', resource_class: 'a100', at: '2026-10-15T10:00:00Z' }, // $0.03885 → $0.04
      { meter: 'gpu', quantity: '0.0025', at: '2026-10-15T10:30:00Z' }, // sums with the first: $0.251912 → $0.25
    ]);
    const inv = (await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-10`)).body;
    expect(inv.lines.map((l: { amount_usd: string }) => l.amount_usd)).toEqual(['0.25', '0.04']);
    expect(inv.lines.map((l: { unit_price_usd: string }) => l.unit_price_usd)).toEqual(['2', '3.5']);
    expect(inv).toMatchObject({ subtotal_usd: '0.29', credits_applied_usd: '0.29', amount_due_usd: '0' });
    expectInvoiceIdentity(inv);
  });

  it('a gauge meter bills its highest or last reading over the period, never the sum', async () => {
    app.clock.set('2026-10-01T12:00:00Z');
    const org = await seedOrg(app, { timezone: 'Australia/Adelaide' });
    for (const [key, aggregation] of [['storage_gb', 'latest'], ['deployments', 'max']] as const) {
      const put = await app.call('PUT', `/v1/meters/${key}`, {
        name: key === 'storage_gb' ? 'Storage' : 'Deployments', unit: key === 'storage_gb' ? 'GB' : 'deployments',
        category: 'storage', aggregation, unit_price: '0', price_currency: 'usd',
      });
      expect(put.status).toBe(200);
    }
    app.clock.set('2026-10-20T12:00:00Z');
    await ingest(app, org, [
      { meter: 'storage_gb', quantity: '120.5', at: '2026-10-03T01:00:00Z' },
      { meter: 'storage_gb', quantity: '260', at: '2026-10-10T01:00:00Z' },
      { meter: 'storage_gb', quantity: '253.5', at: '2026-10-19T01:00:00Z' },
      { meter: 'deployments', quantity: '3', at: '2026-10-03T01:00:00Z' },
      { meter: 'deployments', quantity: '7', at: '2026-10-10T01:00:00Z' },
      { meter: 'deployments', quantity: '5', at: '2026-10-19T01:00:00Z' },
    ]);
    const inv = (await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-10`)).body;
    const quantity = (meter: string) => inv.lines.find((l: { meter: string }) => l.meter === meter)?.quantity;
    expect(quantity('storage_gb')).toBe('253.5');
    expect(quantity('deployments')).toBe('7');

    // the usage graph: a gauge keeps its level on days without a reading, today included, and drops after now only
    const series = (await app.call('GET', `/v1/orgs/${org}/usage/series?from=2026-10-17&to=2026-10-21&meter=storage_gb`)).body;
    expect(series.series[0].points.map((p: { t: string; quantity: string }) => `${p.t} ${p.quantity}`)).toEqual([
      '2026-10-17 260',
      '2026-10-18 260',
      '2026-10-19 253.5',
      '2026-10-20 253.5', // today (Adelaide), no reading yet
      '2026-10-21 0', // tomorrow
    ]);
  });

  it('overage repaid by a later grant comes back as a credit line on the next invoice', async () => {
    app.clock.set('2026-10-03T12:00:00Z');
    const org = await seedOrg(app, { timezone: 'Asia/Kolkata' }); // 1000 credits per $1
    await grant(app, org, { amount: '1000' });
    await ingest(app, org, [{ meter: 'gpu', quantity: '1', at: '2026-10-03T11:00:00Z' }]); // 2000 credits: 1000 overage
    app.clock.set('2026-11-02T12:00:00Z');
    await app.scheduler.runOnce();
    const october = (await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-10`)).body;
    expect(october).toMatchObject({ status: 'issued', subtotal_usd: '2', credits_applied_usd: '1', amount_due_usd: '1' });

    await grant(app, org, { name: 'Top-up', source: 'purchased', amount: '5000' }); // repays the 1000 first
    const balance = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
    expect(balance.available).toBe('4000');
    const november = (await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-11`)).body;
    const credit = november.lines.find((l: { meter: string }) => l.meter === 'overage_repaid');
    expect(credit).toMatchObject({ quantity: '1000', amount_usd: '-1' });
    expect(november.amount_due_usd).toBe('-1');
    expectInvoiceIdentity(november);
    // the issued invoice is not rewritten: the credit is on the next one only
    expect((await app.call('GET', `/v1/orgs/${org}/invoices/inv_2026-10`)).body).toEqual(october);
  });

  it('a day’s expanded lines add up to its Credits Used: usage without a job grouped per meter, also in the CSV', async () => {
    app.clock.set('2026-10-05T10:00:00Z'); // 15:30 in Kolkata
    const org = await seedOrg(app, { timezone: 'Asia/Kolkata' });
    await grant(app, org, { amount: '100000' });
    await ingest(app, org, [
      { meter: 'gpu', quantity: '0.5', job_id: 'job-1', job_name: 'train ranker', at: '2026-10-05T05:00:00Z' }, // 1000
      { meter: 'tokens', quantity: '3.12', job_id: 'job-2', job_name: 'eval', at: '2026-10-05T06:00:00Z' },
      { meter: 'tokens', quantity: '41', at: '2026-10-05T07:00:00Z' },
      { meter: 'tokens', quantity: '8.808', at: '2026-10-05T08:00:00Z' },
      ...Array.from({ length: 41 }, (_, i) => ({ meter: 'runs', quantity: '1', at: `2026-10-05T09:${String(i).padStart(2, '0')}:00Z` })),
    ]);
    app.clock.set('2026-10-06T02:00:00Z');
    await ingest(app, org, [{ meter: 'runs', quantity: '1', at: '2026-10-06T01:00:00Z' }]); // Oct 6 in Kolkata: another day
    const statement = (await app.call('GET', `/v1/orgs/${org}/statements/2026-10`)).body;
    const day = statement.days.find((d: { date: string }) => d.date === '2026-10-05');
    expect(day.credits_used).toBe('1063.178'); // 1000 + 3.12 + 41 + 8.808 + 41 × 0.25

    const lines = (await app.call('GET', `/v1/orgs/${org}/statements/2026-10/days/2026-10-05/jobs`)).body;
    expect(lines.data.map((l: { name: string; credits_used: string }) => `${l.name}: ${l.credits_used}`)).toEqual([
      'Tokens — 49.808 tokens: 49.808',
      'Workflow runs — 41 runs: 10.25',
      'train ranker: 1000',
      'eval: 3.12',
    ]);
    expect(lines.data.reduce((s: bigint, l: { credits_used: string }) => s + micro(l.credits_used), 0n)).toBe(micro(day.credits_used));
    const single = (await app.call('GET', `/v1/orgs/${org}/statements/2026-10/days/2026-10-06/jobs`)).body;
    expect(single.data.map((l: { name: string }) => l.name)).toEqual(['Workflow runs — 1 run']);

    const csv = await app.call('GET', `/v1/orgs/${org}/statements/2026-10/export.csv?lines=jobs`);
    expect(csv.status).toBe(200);
    const rows = csv.text.trim().split(/\r?\n/).slice(1).map((r) => r.split(','));
    const csvDay = rows.filter((r) => r[0] === '2026-10-05').reduce((s, r) => s + micro(r[r.length - 1]!), 0n);
    expect(csvDay).toBe(micro(day.credits_used));
  });

  it('a grant past its end date is on the Expired tab even when it was used up first', async () => {
    app.clock.set('2026-10-05T10:00:00Z');
    const org = await seedOrg(app, { timezone: 'Australia/Adelaide' });
    const used = await grant(app, org, { name: 'Used up', amount: '10', expires_at: '2026-10-07T00:00:00Z', priority: 1 });
    const left = await grant(app, org, { name: 'Left over', amount: '10', expires_at: '2026-10-07T00:00:00Z', priority: 2 });
    await ingest(app, org, [{ meter: 'tokens', quantity: '10', at: '2026-10-05T09:00:00Z' }]);
    expect((await app.call('GET', `/v1/orgs/${org}/grants/${used}`)).body.status).toBe('depleted');
    app.clock.set('2026-10-08T00:00:00Z');
    await app.scheduler.runOnce();
    const expired = (await app.call('GET', `/v1/orgs/${org}/grants?status=expired`)).body.data.map((g: { id: string }) => g.id);
    expect(expired.sort()).toEqual([used, left].sort());
    expect((await app.call('GET', `/v1/orgs/${org}/grants/${used}`)).body.status).toBe('expired');
  });

  it('a grant’s remaining counts released credit only; future disbursements are pending, apart', async () => {
    app.clock.set('2026-10-05T10:00:00Z');
    const org = await seedOrg(app, { timezone: 'Europe/Amsterdam' });
    const id = await grant(app, org, {
      name: 'Annual commitment',
      source: 'purchased',
      disbursements: [
        { amount: '15000', starts_at: '2026-10-01T00:00:00Z' },
        { amount: '15000', starts_at: '2027-01-01T00:00:00Z' },
        { amount: '15000', starts_at: '2027-04-01T00:00:00Z' },
      ],
    });
    await ingest(app, org, [{ meter: 'tokens', quantity: '1600', at: '2026-10-05T09:00:00Z' }]);
    const balance = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
    const view = (await app.call('GET', `/v1/orgs/${org}/grants/${id}`)).body;
    expect(view).toMatchObject({ amount: '45000', remaining: '13400', pending: '30000' });
    expect(view.remaining).toBe(balance.available);
    const listed = (await app.call('GET', `/v1/orgs/${org}/grants?status=all`)).body.data[0];
    expect(listed).toMatchObject({ remaining: '13400', pending: '30000' });
  });

  it('a grant ledger reads as credits available, one usage row per day with the balance after, and scheduled disbursements', async () => {
    app.clock.set('2026-10-05T10:00:00Z');
    const org = await seedOrg(app, { timezone: 'Asia/Kolkata' });
    const id = await grant(app, org, {
      name: 'Commitment',
      source: 'purchased',
      disbursements: [{ amount: '1000', starts_at: '2026-10-01T00:00:00Z' }, { amount: '1000', starts_at: '2027-01-01T00:00:00Z' }],
    });
    await ingest(app, org, [
      { meter: 'tokens', quantity: '0.4', at: '2026-10-05T08:00:00Z' },
      { meter: 'tokens', quantity: '0.4', at: '2026-10-05T09:00:00Z' },
    ]);
    app.clock.set('2026-10-06T10:00:00Z');
    await ingest(app, org, [{ meter: 'tokens', quantity: '2', at: '2026-10-06T09:30:00Z' }]);
    const summary = (await app.call('GET', `/v1/orgs/${org}/grants/${id}/ledger/summary`)).body.data;
    expect(summary.map((r: { type: string; date: string; amount: string; balance: string | null }) => `${r.type} ${r.date} ${r.amount} ${r.balance}`)).toEqual([
      'credits_available 2026-10-01 1000 1000',
      'credit_usage 2026-10-05 -0.8 999.2',
      'credit_usage 2026-10-06 -2 997.2',
      'scheduled 2027-01-01 1000 null',
    ]);
    expect(summary[1]).toMatchObject({ at: '2026-10-05T09:00:00.000Z', entries: 2 });
    const day = (await app.call('GET', `/v1/orgs/${org}/grants/${id}/ledger?day=2026-10-05`)).body.data;
    expect(day.filter((e: { type: string }) => e.type === 'usage').map((e: { amount: string }) => e.amount)).toEqual(['-0.4', '-0.4']);
    expect((await app.call('GET', `/v1/orgs/${org}/grants/${id}/ledger?day=yesterday`)).status).toBe(400);
  });

  it('usage by user names the member, not the id', async () => {
    app.clock.set('2026-10-05T10:00:00Z');
    const org = await seedOrg(app);
    const member = await app.call('POST', `/v1/orgs/${org}/members`, { email: 'eli@example.com', name: 'Eli Novak', role: 'member' });
    expect(member.status).toBe(201);
    await grant(app, org, { amount: '1000' });
    await ingest(app, org, [
      { meter: 'tokens', quantity: '5', at: '2026-10-05T09:00:00Z', user: member.body.id },
      { meter: 'tokens', quantity: '1', at: '2026-10-05T09:00:00Z', user: 'svc-batch' },
    ]);
    const rows = (await app.call('GET', `/v1/orgs/${org}/usage/breakdown?period=current&by=user`)).body.data;
    expect(rows.map((r: { key: string; label: string }) => `${r.key}=${r.label}`)).toEqual([`${member.body.id}=Eli Novak`, 'svc-batch=svc-batch']);
  });
});
