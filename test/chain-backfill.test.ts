import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import { entryHash, GENESIS } from '../src/domain/chain.js';
import { checkStatementProof, type StatementProof } from '../src/domain/statementProof.js';
import { CHAIN_COLUMNS, chainedEntry, proveOrg, type ChainRow } from '../src/modules/ledger/verify.js';
import { seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { grant, ingest } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

/**
 * Issue 15: entries written before the hash chain existed are chained by a
 * migration (src/db/migrations/*_ledger_chain_backfill.sql), which computes the
 * hashes in SQL. `tally verify` recomputes them in TypeScript, so a passing
 * proof here means the two encodings agree, on both databases, for text that
 * needs escaping, non-ASCII, sub-millisecond instants and nulls.
 */
const migrations = fileURLToPath(new URL('../src/db/migrations/', import.meta.url));
const backfillFile = readdirSync(migrations).find((f) => f.endsWith('_ledger_chain_backfill.sql'))!;
const backfillStatements = readFileSync(migrations + backfillFile, 'utf8')
  .split('--> statement-breakpoint')
  .filter((s) => s.trim() !== '');

// An event id is the customer's text: quotes, backslash, control characters, accents, an emoji.
const ODD_EVENT = 'ev"\\\t\n\u0001/é€😀';

async function asSuperuser(app: TestApp, statements: SQL[]): Promise<void> {
  await app.db.transaction(async (tx) => {
    await tx.execute(sql`alter table ledger_entries disable trigger ledger_entries_append_only`);
    for (const s of statements) await tx.execute(s);
    await tx.execute(sql`alter table ledger_entries enable trigger ledger_entries_append_only`);
  });
}

/** Runs the migration as the migrator does: its statements in one transaction. */
async function runBackfill(app: TestApp): Promise<void> {
  await app.db.transaction(async (tx) => {
    for (const s of backfillStatements) await tx.execute(sql.raw(s));
  });
}

const chainOf = (app: TestApp, org: string) =>
  app.db.read((q) => rows<ChainRow>(q, sql`select ${CHAIN_COLUMNS} from ledger_entries where org_id = ${org} order by ledger_entries.id`));

/** As if the organization's first `unchained` entries predate migration 0016 and the rest were written after it. */
async function makePreChain(app: TestApp, org: string, unchained: number): Promise<void> {
  const entries = await chainOf(app, org);
  const statements: SQL[] = [sql`update ledger_entries set chain_seq = null, hash = null where org_id = ${org}`, sql`delete from ledger_chain where org_id = ${org}`];
  let prev = GENESIS;
  let seq = 0;
  for (const r of entries.slice(unchained)) {
    seq += 1;
    const hash = entryHash(chainedEntry({ ...r, seq: String(seq) }, prev));
    statements.push(sql`update ledger_entries set chain_seq = ${seq}, hash = ${hash} where org_id = ${org} and id = ${r.id}::bigint`);
    prev = hash;
  }
  if (seq > 0) statements.push(sql`insert into ledger_chain (org_id, seq, hash) values (${org}, ${seq}, ${prev})`);
  await asSuperuser(app, statements);
}

async function verifyRoute(app: TestApp, org: string) {
  const res = await app.call('GET', '/v1/verify');
  expect(res.status, res.text).toBe(200);
  return res.body.data.find((d: { org: string }) => d.org === org) as {
    ok: boolean;
    entries: number;
    chain: { entries: number; before_chain: number; breach: string | null };
  };
}

async function history(app: TestApp, org: string): Promise<void> {
  await grant(app, org, { amount: '50', source: 'purchased' });
  await grant(app, org, { amount: '20', priority: 10, expires_at: new Date(app.clock.now().getTime() + 3 * 86_400_000).toISOString() });
  const at = new Date(app.clock.now().getTime() - 3_600_000).toISOString();
  await ingest(app, org, [
    { id: `${ODD_EVENT}${org}`, quantity: '7', at },
    { id: `plain-${org}`, quantity: '3', at, project: 'Ünïcode "project"' },
  ]);
  const amend = await app.call('POST', `/v1/orgs/${org}/events/${encodeURIComponent(`plain-${org}`)}/amend`, { quantity: '4.5' });
  expect(amend.status, amend.text).toBe(200);
  const voided = await app.call('POST', `/v1/orgs/${org}/events/${encodeURIComponent(`${ODD_EVENT}${org}`)}/void`);
  expect(voided.status, voided.text).toBe(200);
}

describe.each(testDatabases)('hash chain backfill on $name', (target) => {
  let app: TestApp;
  let signed: string; // its statement signed positions of its chain before the backfill
  let whole: string; // every entry before the chain
  let mixed: string; // older entries, then a chain started from the genesis by a build without the backfill
  let signedChain: ChainRow[];

  beforeAll(async () => {
    app = await startTestApp(target, '2025-12-10T12:00:00Z');
    signed = await seedOrg(app, { name: 'Signed' });
    await history(app, signed);
    app.clock.set('2026-01-02T00:00:00Z');
    await app.scheduler.runOnce(); // closes December of `signed`, signing its chain positions
    app.clock.set('2026-01-05T12:00:00Z');
    whole = await seedOrg(app, { name: 'Whole', timezone: 'Europe/Paris' });
    mixed = await seedOrg(app, { name: 'Mixed' });
    await history(app, whole);
    await history(app, mixed);
    await history(app, signed);
    // A pre-chain row that only SQL could have written: microseconds, control characters and accents in its
    // reference. It moves credit out of the purchased grant's block and back, so every balance still holds.
    const [block] = await app.db.read((q) =>
      rows<{ id: string; remaining: bigint; grantId: string }>(
        q,
        sql`select b.id, b.remaining, b.grant_id as "grantId" from blocks b join grants g on g.org_id = b.org_id and g.id = b.grant_id
            where b.org_id = ${whole} and g.source = 'purchased'`,
      ),
    );
    const ref = 'legacy\t"note"\\\u0002 café ✓';
    await app.db.transaction((tx) =>
      tx.execute(sql`insert into ledger_entries (org_id, type, amount, from_account, to_account, block_id, block_balance_after, grant_id,
                       occurred_at, recorded_at, ref, actor)
                     values (${whole}, 'adjustment', 1000000, ${`block:${block!.id}`}, 'held', ${block!.id}, ${String(BigInt(block!.remaining) - 1_000_000n)}, ${block!.grantId},
                       '2026-01-05 10:00:00.123456+00', '2026-01-05 10:00:00.999999+00', ${ref}, null),
                            (${whole}, 'adjustment', 1000000, 'held', ${`block:${block!.id}`}, ${block!.id}, ${String(block!.remaining)}, ${block!.grantId},
                       '2026-01-05 10:00:00.123999+00', '2026-01-05 10:00:01.000001+00', ${ref}, 'member:m"é')`),
    );
    await makePreChain(app, whole, Number.MAX_SAFE_INTEGER);
    await makePreChain(app, mixed, 5);
    await makePreChain(app, signed, 3);
    signedChain = await chainOf(app, signed);
  });
  afterAll(() => app.close());

  it('before the backfill, tally verify counts the entries that predate the chain', async () => {
    const w = await verifyRoute(app, whole);
    expect(w.chain).toEqual({ entries: 0, before_chain: w.entries, breach: null });
    expect(w.entries).toBeGreaterThan(8);
    const m = await verifyRoute(app, mixed);
    expect(m.chain.before_chain).toBe(5);
    expect(m.ok).toBe(true);
  });

  it('the migration chains every older entry, and tally verify recomputes each hash in TypeScript', async () => {
    await runBackfill(app);
    for (const org of [whole, mixed]) {
      const v = await verifyRoute(app, org);
      expect(v, org).toEqual(expect.objectContaining({ ok: true, chain: { entries: v.entries, before_chain: 0, breach: null } }));
      const chain = await chainOf(app, org);
      expect(chain.map((r) => r.seq)).toEqual(chain.map((_, i) => String(i + 1)));
      const [head] = await app.db.read((q) => rows<{ seq: string; hash: string }>(q, sql`select seq::text as seq, hash from ledger_chain where org_id = ${org}`));
      expect(head).toEqual({ seq: String(chain.length), hash: chain[chain.length - 1]!.hash });
    }
    // the odd text went through the writer and through SQL alike
    const odd = (await chainOf(app, whole)).filter((r) => r.event === `${ODD_EVENT}${whole}` || r.ref?.startsWith('legacy'));
    expect(odd.length).toBeGreaterThanOrEqual(3);
  });

  it('leaves alone an organization whose signed statement names positions of its chain', async () => {
    expect(await chainOf(app, signed)).toEqual(signedChain);
    const v = await verifyRoute(app, signed);
    expect(v.ok).toBe(true);
    expect(v.chain.before_chain).toBe(3);
  });

  it('is idempotent, the chain goes on from the backfilled head, and a period of backfilled entries proves offline', async () => {
    const before = await chainOf(app, whole);
    await runBackfill(app);
    expect(await chainOf(app, whole)).toEqual(before);
    await ingest(app, whole, [{ quantity: '1', at: '2026-01-05T11:30:00Z' }]);
    app.clock.set('2026-02-03T00:00:00Z');
    await app.scheduler.runOnce();
    const p = await app.db.read((q) => proveOrg(q, whole));
    expect(p.ok, JSON.stringify(p.chain)).toBe(true);
    expect(p.chain).toEqual({ entries: p.entries, beforeChain: 0, breach: null });
    expect(p.entries).toBeGreaterThan(before.length); // the new usage, and the expiry the close booked
    const proof = (await app.call('GET', `/v1/orgs/${whole}/statements/2026-01/proof`)).body as StatementProof;
    expect(proof.statement.chain?.first_seq).toBe('1');
    const key = (await app.call('GET', '/v1/statement-key')).body.public_key_pem as string;
    expect(checkStatementProof(proof, key)).toEqual(expect.objectContaining({ ok: true, failures: [] }));
  });

  it('a backfilled entry changed in SQL is named by tally verify and by verify-statement', async () => {
    const target = (await chainOf(app, mixed)).find((r) => r.type === 'usage' && BigInt(r.seq) <= 5n)!;
    expect(target).toBeDefined();
    await asSuperuser(app, [sql`update ledger_entries set amount = amount + 1 where org_id = ${mixed} and id = ${target.id}::bigint`]);
    const v = await verifyRoute(app, mixed);
    expect(v.ok).toBe(false);
    expect(v.chain.breach).toMatch(new RegExp(`entry ${target.id} \\(position ${target.seq}, usage of \\d+ micro-credits\\) was changed after it was written`));
    const proof = (await app.call('GET', `/v1/orgs/${mixed}/statements/2026-01/proof`)).body as StatementProof;
    const check = checkStatementProof(proof);
    expect(check.ok).toBe(false);
    expect(check.failures.join('\n')).toMatch(new RegExp(`entry ${target.id} .*was changed after it was written`));
  });
});
