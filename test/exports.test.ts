import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestApp, type TestApp, roleKey } from './helpers/app.js';
import { grant, ingest } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

// text that a spreadsheet would run as a formula is defused with a leading apostrophe
const defuse = (v: string) => (/^[=+\-@]/.test(v) ? `'${v}` : v);
const csv = (text: string): Record<string, string>[] => parse(text, { columns: true, bom: true, skip_empty_lines: true });

describe.each(testDatabases)('CSV exports on $name', (target) => {
  let app: TestApp;
  let org: string;
  let grantId: string;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-02T12:00:00Z');
    org = await seedOrg(app, { timezone: 'Europe/Paris' });
    grantId = await grant(app, org, { amount: '500' });
    app.clock.set('2026-03-20T12:00:00Z');
    await ingest(app, org, [
      { quantity: '10', at: '2026-03-05T10:00:00Z', job_id: 'j1', job_name: 'Réseau "alpha", v2', project: 'p,1', user: 'zoë' },
      { quantity: '2.5', at: '2026-03-05T11:00:00Z', job_id: 'j2', job_name: 'line\nbreak', resource_class: 'a100' },
      { quantity: '7', at: '2026-03-19T23:30:00Z', job_id: 'j1', job_name: 'Réseau "alpha", v2', project: 'p,1', user: 'zoë' },
      { meter: 'runs', quantity: '1', at: '2026-03-19T08:00:00Z' },
      { quantity: '1', at: '2026-03-19T09:00:00Z', job_id: 'j3', job_name: '=HYPERLINK("http://evil")', user: '@me' },
    ]);
    await grant(app, org, { amount: '20', source: 'purchased' });
  });
  afterAll(() => app.close());

  it('exports the daily summary with the same figures as the statement', async () => {
    const json = await app.call('GET', `/v1/orgs/${org}/statements/current`);
    const res = await app.call('GET', `/v1/orgs/${org}/statements/current/export.csv?lines=daily`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain('attachment');
    expect(res.text.includes('\r\n')).toBe(true);
    expect(csv(res.text)).toEqual(
      json.body.days.map((d: Record<string, string>) => ({ date: d.date, top_ups: d.top_ups, credits_used: d.credits_used, balance: d.balance })),
    );
  });

  it('exports job lines matching the per-day job endpoint, quoting commas, quotes, newlines and accents', async () => {
    const res = await app.call('GET', `/v1/orgs/${org}/statements/2026-03/export.csv?lines=jobs`);
    const lines = csv(res.text);
    const expected: Record<string, string>[] = [];
    const days = (await app.call('GET', `/v1/orgs/${org}/statements/2026-03`)).body.days;
    for (const d of days) {
      const jobs = await app.call('GET', `/v1/orgs/${org}/statements/2026-03/days/${d.date}/jobs`);
      for (const j of jobs.body.data) {
        expected.push({ date: d.date, job: j.name, project: j.project ?? '', user: j.user ?? '', resource_class: j.resource_class ?? '', credits_used: j.credits_used });
      }
    }
    expect(lines).toEqual(expected.map((e) => ({ ...e, job: defuse(e.job!), user: defuse(e.user!) })));
    expect(lines.map((l) => [l.date, l.job, l.project, l.user])).toEqual([
      ['2026-03-05', 'Réseau "alpha", v2', 'p,1', 'zoë'],
      ['2026-03-05', 'line\nbreak', '', ''],
      // usage without a job, one line per meter, so each day's lines add up to its Credits Used
      ['2026-03-19', 'Workflow runs — 1 run', '', ''],
      ['2026-03-19', `'=HYPERLINK("http://evil")`, '', "'@me"],
      ['2026-03-20', 'Réseau "alpha", v2', 'p,1', 'zoë'],
    ]);
  });

  it('exports events like the events list and a grant ledger like its JSON', async () => {
    const res = await app.call('GET', `/v1/orgs/${org}/events/export.csv?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z`);
    const rows = csv(res.text);
    const list = (await app.call('GET', `/v1/orgs/${org}/events?limit=100`)).body.data.reverse();
    expect(rows.map((r) => [r.id, r.timestamp, r.meter, r.quantity, r.cost_credits, r.job_name])).toEqual(
      list.map((e: Record<string, string>) => [e.id, e.timestamp, e.meter, e.quantity, e.cost_credits, defuse(e.job_name ?? '')]),
    );
    const ledger = csv((await app.call('GET', `/v1/orgs/${org}/grants/${grantId}/ledger.csv`)).text);
    const json = (await app.call('GET', `/v1/orgs/${org}/grants/${grantId}/ledger?limit=100`)).body.data;
    expect(ledger.map((l) => [l.id, l.type, l.amount, l.balance, l.occurred_at])).toEqual(
      json.map((e: Record<string, string>) => [e.id, e.type, e.amount, e.balance, e.occurred_at]),
    );
  });

  it('exports each event with its status and correction history: voided and amended events say so, with who, when and what they were', async () => {
    const own = await seedOrg(app);
    await grant(app, own, { amount: '100' });
    await ingest(app, own, [
      { id: 'kept', quantity: '1', at: '2026-03-20T09:00:00Z' },
      { id: 'voided', quantity: '4', at: '2026-03-20T10:00:00Z' },
      { id: 'amended', quantity: '6', at: '2026-03-20T11:00:00Z' },
    ]);
    const owner = await roleKey(app, own, 'owner');
    const as = { authorization: `Bearer ${owner}` };
    expect((await app.call('POST', `/v1/orgs/${own}/events/voided/void`, undefined, as)).status).toBe(200);
    app.clock.advance(60_000);
    expect((await app.call('POST', `/v1/orgs/${own}/events/amended/amend`, { quantity: '2.5' })).status).toBe(200);
    app.clock.advance(60_000);
    expect((await app.call('POST', `/v1/orgs/${own}/events/amended/amend`, { quantity: '3' }, as)).status).toBe(200);
    const keyId = (await app.call('GET', `/v1/orgs/${own}/api-keys`)).body.data[0].id as string;

    const res = await app.call('GET', `/v1/orgs/${own}/events/export.csv`);
    expect(res.status).toBe(200);
    const header = res.text.replace(/^\uFEFF/, '').split('\r\n')[0]!.split(',');
    // the new columns come after the old ones, which keep their places
    expect(header.slice(0, 14)).toEqual(['id', 'timestamp', 'recorded_at', 'meter', 'quantity', 'user', 'project', 'resource_class', 'job_id', 'job_name', 'cost_credits', 'cost_usd', 'overage', 'properties']);
    const pick = (r: Record<string, string>) => [r.id, r.status, r.quantity, r.cost_credits, r.corrections, r.last_corrected_at, r.last_corrected_by, r.original_quantity, r.original_cost_credits];
    expect(csv(res.text).map(pick)).toEqual([
      ['kept', 'active', '1', '1', '0', '', '', '', ''],
      ['voided', 'voided', '4', '4', '1', '2026-03-20T12:00:00.000Z', `key:${keyId}`, '4', '4'],
      ['amended', 'amended', '3', '3', '2', '2026-03-20T12:02:00.000Z', `key:${keyId}`, '6', '6'],
    ]);
    // the same status and history the events list shows
    const list = (await app.call('GET', `/v1/orgs/${own}/events`)).body.data as { id: string; status: string; corrections: { actor: string }[] }[];
    expect(Object.fromEntries(list.map((e) => [e.id, [e.status, e.corrections.map((c) => c.actor)]]))).toEqual({
      kept: ['active', []],
      voided: ['voided', [`key:${keyId}`]],
      amended: ['amended', ['platform', `key:${keyId}`]],
    });
  });

  it('answers errors as JSON before streaming', async () => {
    expect((await app.call('GET', `/v1/orgs/${org}/statements/2020-01/export.csv`)).body.error.code).toBe('not_found');
    expect((await app.call('GET', `/v1/orgs/${org}/statements/current/export.csv?lines=monthly`)).status).toBe(400);
    expect((await app.call('GET', `/v1/orgs/${org}/grants/grt_nope/ledger.csv`)).body.error.code).toBe('grant_not_found');
    expect((await app.call('GET', `/v1/orgs/org_nope/events/export.csv`)).status).toBe(404);
    const member = await roleKey(app, org, 'member');
    const res = await app.call('GET', `/v1/orgs/${org}/statements/current/export.csv`, undefined, { authorization: `Bearer ${member}` });
    expect(res.status).toBe(403);
  });
});
