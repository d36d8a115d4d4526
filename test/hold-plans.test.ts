import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Q } from '../src/db/client.js';
import { tableStatisticsJob } from '../src/jobs/table-statistics.js';
import { writeTogether } from '../src/db/together.js';
import { findHoldsAndLapsed, holdsCapture } from '../src/modules/holds/queries.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';
import { explainAnalyzed, rowsReadFrom } from './helpers/plans.js';
import { seeingStatements } from './helpers/statements.js';

/**
 * A capture group reads and writes the holds it names under the organization
 * lock (issue 10), so those statements must read those holds, not all of the
 * organization's. That holds once the tables have statistics: PostgreSQL's
 * autovacuum gathers them, the embedded database's table-statistics job does
 * (PGlite has no autovacuum). Without them `org_id = …` is taken to match 0.5%
 * of a table and a lookup by id may scan the organization (docs/performance.md,
 * part 10). Measured as the rows each statement read from `holds`, from its
 * own EXPLAIN ANALYZE, not as a time.
 */
describe.each(testDatabases)('hold statements probe by key on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-10T12:00:00Z');
  });
  afterAll(() => app.close());

  /** A transaction whose statements are each explained (analyzed) before they run; rolled back at the end. */
  async function explained(run: (tx: Q) => Promise<void>): Promise<number[]> {
    const read: number[] = [];
    await app.db
      .transaction(async (tx) => {
        await run(seeingStatements(tx, async (statement) => void read.push(rowsReadFrom(await explainAnalyzed(tx, statement), 'holds'))));
        throw new Error('rollback');
      })
      .catch((error: unknown) => {
        if (!(error instanceof Error) || error.message !== 'rollback') throw error;
      });
    return read;
  }

  it('the table-statistics job analyzes the embedded database five minutes after start, then hourly; never PostgreSQL', async () => {
    const runner = { instance: 'test' };
    const fresh = tableStatisticsJob();
    expect(await fresh.run(app.ctx, runner)).toBe(0); // just started
    const job = tableStatisticsJob({ startedAt: Date.now() - 6 * 60_000 });
    const first = await job.run(app.ctx, runner);
    const second = await job.run(app.ctx, runner); // the next is due in an hour
    expect([first, second]).toEqual(target.name === 'pglite' ? [1, 0] : [0, 0]);
  });

  it('reads only the holds named and the lapsed ones, among 600 of the organization', async () => {
    const org = await seedOrg(app);
    const base = `/v1/orgs/${org}`;
    expect((await app.call('POST', `${base}/grants`, { name: 'Plan', source: 'included', amount: '100000' })).status).toBe(201);
    expect((await app.call('PATCH', `${base}/groups/grp_default`, { monthly_allocation: '5000' })).status).toBe(200);
    const member = await app.call('POST', `${base}/members`, { id: 'alice', email: 'alice@x.test', name: 'Alice', role: 'member', monthly: null });
    expect(member.status).toBe(201);
    const many = Array.from({ length: 600 }, (_, i) => `('${org}', 'hld_old_${String(i).padStart(4, '0')}', 'alice', 1000000, 1000000, 'captured', null, now(), now(), 'test')`);
    await app.db.transaction((tx) =>
      tx.execute(sql.raw(`insert into holds (org_id, id, member_id, amount, captured_amount, status, expires_at, created_at, closed_at, actor)
        values ${many.join(', ')}`)),
    );
    const open: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await app.call('POST', `${base}/holds`, { member: 'alice', amount: '1' });
      expect(res.status).toBe(201);
      open.push(res.body.id as string);
    }
    const lapsing = await app.call('POST', `${base}/holds`, { member: 'alice', amount: '1', expires_at: '2026-03-10T12:30:00Z' });
    expect(lapsing.status).toBe(201);
    const now = new Date('2026-03-10T13:00:00Z');

    // statistics: the job on the embedded database, autovacuum's ANALYZE (which a test cannot wait for) on PostgreSQL
    const analyzed = await tableStatisticsJob({ firstAfterMs: 0 }).run(app.ctx, { instance: 'test' });
    expect(analyzed).toBe(target.name === 'pglite' ? 1 : 0);
    if (target.name === 'postgres') await app.db.read((q) => q.execute(sql`analyze`));

    const [read] = await explained(async (tx) => {
      const { byId, lapsed } = await findHoldsAndLapsed(tx, org, open, now);
      expect([...byId.keys()].sort()).toEqual([...open].sort());
      expect(lapsed.map((h) => h.id)).toEqual([lapsing.body.id]);
    });
    expect(read).toBeLessThanOrEqual(open.length + 1);

    const [written] = await explained((tx) => writeTogether(tx, [holdsCapture(org, now, open.slice(0, 2).map((id) => ({ id, amount: 500_000n })))]));
    // an update reads each row it changes once to find it and once more to write it
    expect(written).toBeLessThanOrEqual(2 * 2);
  });
});
