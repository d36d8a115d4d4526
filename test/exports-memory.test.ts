import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse } from 'csv-parse';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_KEY, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

const ROWS = 1_000_000;
const MB = 1024 * 1024;

// Live memory, not garbage V8 has not collected yet: collect before each sample.
setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
const liveHeap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

describe.each(testDatabases)('event export memory on $name', (target) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(target, '2026-03-20T12:00:00Z');
  });
  afterAll(() => app.close());

  it('streams 1,000,000 events with flat memory', async () => {
    const org = await seedOrg(app);
    // Bulk rows straight in SQL: this test is about the export, not ingest.
    await app.db.transaction((tx) =>
      tx.execute(sql`
        insert into events (org_id, id, meter, quantity, timestamp, recorded_at, user_id, project, resource_class, job_id,
          job_name, cost_credits, cost_usd, overage)
        select ${org}, 'ev' || lpad(g::text, 8, '0'), 'tokens', 1000000 + g, timestamptz '2026-03-01T00:00:00Z' + g * interval '1 second',
          timestamptz '2026-03-20T00:00:00Z', 'user-' || (g % 100), 'project-' || (g % 10), 'a100', 'job-' || (g % 1000),
          'Training job number ' || (g % 1000), 1000000 + g, 1000 + g, 0
        from generate_series(1, ${ROWS}) g`),
    );
    // as autovacuum would after a bulk load: without statistics the planner sorts instead of walking the index
    await app.db.read((q) => q.execute(sql`analyze events`));
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.server.address() as AddressInfo;

    const baseline = liveHeap();
    let peak = baseline;
    let count = 0;
    let bytes = 0;
    let last: Record<string, string> | undefined;
    await new Promise<void>((resolve, reject) => {
      get(
        { host: '127.0.0.1', port, path: `/v1/orgs/${org}/events/export.csv`, headers: { authorization: `Bearer ${PLATFORM_KEY}` } },
        (res) => {
          expect(res.statusCode).toBe(200);
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          const parser = res.pipe(parse({ columns: true, bom: true }));
          parser.on('data', (row: Record<string, string>) => {
            count += 1;
            last = row;
            if (count % 100_000 === 0) peak = Math.max(peak, liveHeap());
          });
          parser.on('end', resolve);
          parser.on('error', reject);
        },
      ).on('error', reject);
    });
    expect(count).toBe(ROWS);
    expect(last).toMatchObject({ id: 'ev01000000', quantity: '2', cost_credits: '2', timestamp: '2026-03-12T13:46:40.000Z' });
    // The CSV is far larger than the heap growth allowed: the export cannot have been buffered.
    expect(bytes).toBeGreaterThan(140 * MB);
    expect(peak - baseline).toBeLessThan(32 * MB);
    console.log(`export: ${(bytes / MB).toFixed(0)} MB of CSV, live heap growth peak ${((peak - baseline) / MB).toFixed(1)} MB`);
  }, 600_000);
});
