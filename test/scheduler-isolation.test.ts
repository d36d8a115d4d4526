import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metrics } from '../src/metrics.js';
import type { Job } from '../src/jobs/job.js';
import { Scheduler } from '../src/jobs/scheduler.js';
import { closeDuePeriods } from '../src/jobs/period-close.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

const failures = async (job: string, scope: string) =>
  (await metrics.jobFailures.get()).values.find((v) => v.labels.job === job && v.labels.scope === scope)?.value ?? 0;

/** Issue 11: each job, and each organization inside a job, fails alone, logged, counted, retried next tick. */
describe.each(testDatabases)('scheduler isolation on $name', (target) => {
  let app: TestApp;
  let good: string;
  let broken: string;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-01-15T12:00:00Z');
    good = await seedOrg(app, { name: 'Good' });
    broken = await seedOrg(app, { name: 'Broken' });
  });
  afterAll(() => app.close());

  it('a job that throws does not stop the jobs after it', async () => {
    const ran: string[] = [];
    const boom: Job = { name: 'boom', run: async () => { throw new Error('job exploded'); } };
    const after: Job = { name: 'after', run: async () => { ran.push('after'); return 1; } };
    const before = await failures('boom', 'job');
    const scheduler = new Scheduler(app.ctx, [boom, after]);
    expect(await scheduler.runOnce()).toEqual({ boom: -1, after: 1 });
    expect(ran).toEqual(['after']);
    expect(await failures('boom', 'job')).toBe(before + 1);
    const text = (await app.call('GET', '/metrics')).text;
    expect(text).toMatch(/tally_job_failures_total\{job="boom",scope="job"\} \d+/);
  });

  it('one organization failing inside period close leaves the other closed, and it is retried next tick', async () => {
    // The database refuses this organization's statement: only its close can fail.
    await app.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`create function refuse_statement() returns trigger language plpgsql as $$
        begin raise exception 'statement refused for the test'; end $$`));
      await tx.execute(sql.raw(`create trigger refuse_statement before insert on statements for each row
        when (new.org_id = '${broken}') execute function refuse_statement()`));
    });
    app.clock.set(new Date('2026-02-02T12:00:00Z'));
    const before = await failures('period-close', 'organization');
    const closed = await closeDuePeriods(app.ctx, 'test');
    expect(closed).toBeGreaterThanOrEqual(1);
    expect(await failures('period-close', 'organization')).toBe(before + 1);
    const goodStatement = await app.call('GET', `/v1/orgs/${good}/statements/2026-01`);
    expect(goodStatement.status, goodStatement.text).toBe(200);
    // repaired: the next tick closes it
    await app.db.transaction((tx) => tx.execute(sql`drop trigger refuse_statement on statements`));
    expect(await closeDuePeriods(app.ctx, 'test')).toBeGreaterThanOrEqual(1);
    expect((await app.call('GET', `/v1/orgs/${broken}/statements/2026-01`)).status).toBe(200);
  });
});
