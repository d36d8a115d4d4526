import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMicro, sumBig } from '../src/domain/money.js';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { PLATFORM_KEY, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/db.js';

/**
 * SPEC §3.13 item 5: N concurrent writers on one organization consume exactly
 * the sum of their costs. Sent over a real socket, all at once.
 */
describe.each(testDatabases)('concurrent ingest on $name', (target) => {
  let app: TestApp;
  let base: string;
  beforeAll(async () => {
    app = await startTestApp(target);
    base = await app.server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it('32 concurrent batches for one organization: no double spend, no negative block, no 5xx', async () => {
    const org = await seedOrg(app);
    for (const [amount, priority] of [['300', 10], ['250', 20], ['500', 30]] as const) {
      await app.call('POST', `/v1/orgs/${org}/grants`, { name: `g${priority}`, source: 'included', amount, priority });
    }
    const ts = app.clock.now().toISOString();
    const batches = Array.from({ length: 32 }, (_, b) =>
      Array.from({ length: 25 }, (_, i) => ({ id: `c-${b}-${i}`, org, meter: 'tokens', quantity: `${(b * 7 + i * 3) % 5}.125`, timestamp: ts })),
    );
    const responses = await Promise.all(
      batches.map((events) =>
        fetch(`${base}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ events }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { accepted: number; results: { cost_credits: string }[] } })),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    expect(sumBig(responses.map((r) => BigInt(r.body.accepted)))).toBe(800n);
    const costs = sumBig(responses.flatMap((r) => r.body.results.map((x) => parseMicro(x.cost_credits))));
    const expected = sumBig(batches.flat().map((e) => parseMicro(e.quantity)));
    expect(costs).toBe(expected);

    const proof = await app.db.read((q) => proveOrg(q, org));
    expect(proof.ok).toBe(true);
    expect(proof.lowestBlockBalance! >= 0n).toBe(true);
    const balance = (await app.call('GET', `/v1/orgs/${org}/balance`)).body;
    const granted = 1050_000_000n;
    // consumed = what the blocks paid + overage, exactly the sum of costs
    const paid = granted - parseMicro(balance.available);
    expect(paid + parseMicro(balance.overage)).toBe(expected);
    expect(parseMicro(balance.available) === 0n || parseMicro(balance.overage) === 0n).toBe(true);
  });
});
