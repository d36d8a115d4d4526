import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli/index.js';
import { rows } from '../src/db/client.js';
import { canonicalJson, CHAIN_KEYS, chainJson, checkChain, entryHash, GENESIS } from '../src/domain/chain.js';
import { checkStatementProof, type StatementProof } from '../src/domain/statementProof.js';
import { proveOrg } from '../src/modules/ledger/verify.js';
import { roleKey, seedOrg, startTestApp, type TestApp } from './helpers/app.js';
import { grant, ingest } from './helpers/billing.js';
import { testDatabases } from './helpers/db.js';

/** Issue 15, "Statements a customer can verify": the hash chain, signed statements, proofs and their offline check. */

afterEach(() => vi.restoreAllMocks());

function captureStdout(): () => string {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  return () => out;
}

const dir = mkdtempSync(join(tmpdir(), 'tally-proof-'));
let files = 0;

/** Runs `tally verify-statement` on a proof written to a file, returning its exit code and output. */
async function verifyFile(proof: unknown, extra: string[] = []): Promise<{ code: number; out: string }> {
  const file = join(dir, `proof-${files++}.json`);
  writeFileSync(file, JSON.stringify(proof));
  const out = captureStdout();
  const code = await runCli(['verify-statement', file, ...extra]);
  const text = out();
  vi.restoreAllMocks();
  return { code, out: text };
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe.each(testDatabases)('statement proofs on $name', (target) => {
  let app: TestApp;
  const orgs: string[] = [];

  beforeAll(async () => {
    app = await startTestApp(target, '2026-01-05T12:00:00Z');
    // Four organizations with the same history: one stays intact, three are tampered with in SQL.
    for (let i = 0; i < 4; i++) {
      const org = await seedOrg(app, { credit_factor: '1' });
      await grant(app, org, { amount: '50' });
      await grant(app, org, { amount: '20', expires_at: '2026-01-20T00:00:00Z' });
      await ingest(app, org, [
        { quantity: '7', at: '2026-01-05T11:00:00Z' },
        { quantity: '3', at: '2026-01-05T11:30:00Z' },
      ]);
      orgs.push(org);
    }
    app.clock.set('2026-01-25T12:00:00Z'); // the purchased block expires with 10 left (usage draws it first or not: either way the identity holds)
    for (const org of orgs) await ingest(app, org, [{ quantity: '5', at: '2026-01-25T11:00:00Z' }]);
    app.clock.set('2026-02-02T00:00:00Z');
    await app.scheduler.runOnce();
    // February activity after the close: the chain goes on past the statement's last entry.
    for (const org of orgs) await ingest(app, org, [{ quantity: '2', at: '2026-02-01T23:00:00Z' }]);
  });
  afterAll(() => app.close());

  const proofOf = async (org: string): Promise<StatementProof> => {
    const res = await app.call('GET', `/v1/orgs/${org}/statements/2026-01/proof`);
    expect(res.status, res.text).toBe(200);
    return res.body as StatementProof;
  };

  it('writes every entry into the organization chain, and tally verify proves it intact', async () => {
    const org = orgs[0]!;
    const proof = await app.db.read((q) => proveOrg(q, org));
    expect(proof.chain.breach).toBeNull();
    expect(proof.chain.beforeChain).toBe(0);
    expect(proof.chain.entries).toBe(proof.entries);
    expect(proof.ok).toBe(true);
    const head = await app.db.read((q) => rows<{ seq: string }>(q, sql`select seq::text as seq from ledger_chain where org_id = ${org}`));
    expect(head[0]!.seq).toBe(String(proof.entries));
  });

  it('round trip: the proof of a closed statement verifies offline, also against the pinned server key', async () => {
    const org = orgs[0]!;
    const proof = await proofOf(org);
    const statement = (await app.call('GET', `/v1/orgs/${org}/statements/2026-01`)).body;
    expect(proof.statement.summary).toEqual(statement.summary);
    expect(proof.statement.chain).not.toBeNull();
    expect(proof.entries[0]!.seq).toBe(proof.statement.chain!.first_seq);
    expect(proof.entries.at(-1)!.hash).toBe(proof.statement.chain!.last_hash);
    expect(proof.entries.filter((e) => e.in_period)).toHaveLength(proof.statement.chain!.entries);
    // the February entry comes after the statement's last entry
    expect(proof.entries.some((e) => e.occurred_at.startsWith('2026-02'))).toBe(false);
    expect(checkStatementProof(proof)).toMatchObject({ ok: true, failures: [] });

    const plain = await verifyFile(proof);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(new RegExp(`statement 2026-01 of organization ${org} verified`));

    const key = (await app.call('GET', '/v1/statement-key')).body as { public_key_pem: string };
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, key.public_key_pem);
    expect((await verifyFile(proof, ['--key', keyFile])).code).toBe(0);
    // A proof whose file names another key fails against the pinned key.
    const otherPem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const other = join(dir, 'other.pem');
    writeFileSync(other, otherPem);
    const pinned = await verifyFile(proof, ['--key', other]);
    expect(pinned.code).toBe(1);
    expect(pinned.out).toMatch(/names a different public key \(\w+\) from the pinned one/);
    // The key fetched from a running server's GET /v1/statement-key (loopback, port 0).
    const address = await app.server.listen({ host: '127.0.0.1', port: 0 });
    const fetched = await verifyFile(proof, ['--key', address]);
    expect(fetched.code).toBe(0);
    expect(fetched.out).toMatch(/verified against the pinned key/);
  });

  it('is readable by the roles that read statements, and refused for the open period', async () => {
    const org = orgs[0]!;
    const member = await roleKey(app, org, 'member');
    const billing = await roleKey(app, org, 'billing_admin');
    const asBilling = await app.call('GET', `/v1/orgs/${org}/statements/2026-01/proof`, undefined, { authorization: `Bearer ${billing}` });
    const statementAsMember = await app.call('GET', `/v1/orgs/${org}/statements/2026-01`, undefined, { authorization: `Bearer ${member}` });
    const proofAsMember = await app.call('GET', `/v1/orgs/${org}/statements/2026-01/proof`, undefined, { authorization: `Bearer ${member}` });
    expect(asBilling.status).toBe(200);
    expect(proofAsMember.status).toBe(statementAsMember.status);
    const open = await app.call('GET', `/v1/orgs/${org}/statements/current/proof`);
    expect(open.status).toBe(409);
    expect(open.body.error.code).toBe('conflict');
  });

  it('a changed amount, a removed entry or a forged total in the file fails with a sentence saying which', async () => {
    const proof = await proofOf(orgs[0]!);
    const usage = proof.entries.find((e) => e.type === 'usage' && e.in_period)!;

    const changed = clone(proof);
    const target = changed.entries.find((e) => e.id === usage.id)!;
    target.amount = (BigInt(target.amount) - 1_000_000n).toString();
    const c = await verifyFile(changed);
    expect(c.code).toBe(1);
    expect(c.out).toMatch(new RegExp(`entry ${usage.id} \\(position ${usage.seq}, usage of ${target.amount} micro-credits\\) was changed after it was written`));

    const removed = clone(proof);
    const middle = Math.floor(removed.entries.length / 2);
    const gone = removed.entries.splice(middle, 1)[0]!;
    const r = await verifyFile(removed);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`the entry at position ${gone.seq} is missing`));

    const forged = clone(proof);
    forged.statement.summary.closing = (Number(forged.statement.summary.closing) + 100).toString();
    const f = await verifyFile(forged);
    expect(f.code).toBe(1);
    expect(f.out).toMatch(/the signature does not match the statement/);
    expect(f.out).toMatch(new RegExp(`closing ${forged.statement.summary.closing} ≠ brought forward`));

    // Forged consistently (figure and identity) and re-signed by someone else: only pinning the key catches it.
    const consumed = clone(proof);
    consumed.statement.summary.consumed = '0';
    const k = await verifyFile(consumed);
    expect(k.code).toBe(1);
    expect(k.out).toMatch(/Consumed says 0 but its \d+ entries add up to [1-9][\d.]*/);
  });

  it('tally verify and verify-statement name an amount changed directly in SQL', async () => {
    const org = orgs[1]!;
    const [row] = await app.db.read((q) =>
      rows<{ id: string; seq: string }>(q, sql`select id::text as id, chain_seq::text as seq from ledger_entries where org_id = ${org} and type = 'usage' order by id limit 1`),
    );
    await tamper(app, sql`update ledger_entries set amount = amount + 1000000 where org_id = ${org} and id = ${row!.id}::bigint`);
    const p = await app.db.read((q) => proveOrg(q, org));
    expect(p.ok).toBe(false);
    expect(p.chain.breach?.message).toMatch(new RegExp(`organization ${org}: entry ${row!.id} \\(position ${row!.seq}, usage of \\d+ micro-credits\\) was changed after it was written`));
    const v = await verifyFile(await proofOf(org));
    expect(v.code).toBe(1);
    expect(v.out).toMatch(new RegExp(`entry ${row!.id} .*was changed after it was written`));
    const [, said, sum] = /Consumed says ([\d.]+) but its \d+ entries add up to ([\d.]+)/.exec(v.out) ?? [];
    expect(Number(sum) - Number(said)).toBe(1);
  });

  it('tally verify and verify-statement name an entry deleted directly in SQL', async () => {
    const org = orgs[2]!;
    const [row] = await app.db.read((q) =>
      rows<{ id: string; seq: string }>(q, sql`select id::text as id, chain_seq::text as seq from ledger_entries where org_id = ${org} and type = 'usage' order by id limit 1`),
    );
    await tamper(app, sql`delete from ledger_entries where org_id = ${org} and id = ${row!.id}::bigint`);
    const p = await app.db.read((q) => proveOrg(q, org));
    expect(p.chain.breach?.message).toMatch(new RegExp(`where ${row!.seq} was expected — the entry at position ${row!.seq} is missing`));
    const v = await verifyFile(await proofOf(org));
    expect(v.code).toBe(1);
    expect(v.out).toMatch(new RegExp(`the entry at position ${row!.seq} is missing`));
  });

  it('tally verify names entries reordered directly in SQL, and the newest entry removed', async () => {
    const org = orgs[3]!;
    const two = await app.db.read((q) =>
      rows<{ id: string; seq: string }>(q, sql`select id::text as id, chain_seq::text as seq from ledger_entries where org_id = ${org} order by id limit 2 offset 1`),
    );
    const [a, b] = two as [{ id: string; seq: string }, { id: string; seq: string }];
    // Swap the two entries' places in the chain (through a free position: the index keeps positions unique).
    await tamper(app, sql`update ledger_entries set chain_seq = -1 where org_id = ${org} and id = ${a.id}::bigint`);
    await tamper(app, sql`update ledger_entries set chain_seq = ${a.seq}::bigint where org_id = ${org} and id = ${b.id}::bigint`);
    await tamper(app, sql`update ledger_entries set chain_seq = ${b.seq}::bigint where org_id = ${org} and id = ${a.id}::bigint`);
    const p = await app.db.read((q) => proveOrg(q, org));
    expect(p.chain.breach?.message).toMatch(new RegExp(`entry ${a.id} has chain position ${b.seq} where ${a.seq} was expected`));
    const v = await verifyFile(await proofOf(org));
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/FAILED/);

    // Put them back: intact again; then drop the newest entry, which leaves no gap: the head catches it.
    await tamper(app, sql`update ledger_entries set chain_seq = -1 where org_id = ${org} and id = ${a.id}::bigint`);
    await tamper(app, sql`update ledger_entries set chain_seq = ${b.seq}::bigint where org_id = ${org} and id = ${b.id}::bigint`);
    await tamper(app, sql`update ledger_entries set chain_seq = ${a.seq}::bigint where org_id = ${org} and id = ${a.id}::bigint`);
    expect((await app.db.read((q) => proveOrg(q, org))).chain.breach).toBeNull();
    await tamper(app, sql`delete from ledger_entries where org_id = ${org} and id = (select max(id) from ledger_entries where org_id = ${org})`);
    const after = await app.db.read((q) => proveOrg(q, org));
    expect(after.chain.breach?.message).toMatch(/the newest 1 entries were removed/);
  });

  it('names chain positions as numbers: a period from position 9 to 12 is signed 9 to 12, not "10" to "9"', async () => {
    const org = await seedOrg(app, { credit_factor: '1' });
    // February: positions 1–8; March: 9–12, across the step from one digit to two
    await grant(app, org, { amount: '100' });
    await ingest(app, org, Array.from({ length: 7 }, (_, i) => ({ quantity: '1', at: `2026-02-01T1${i}:00:00Z` })));
    app.clock.set('2026-03-05T00:00:00Z');
    await ingest(app, org, Array.from({ length: 4 }, (_, i) => ({ quantity: '1', at: `2026-03-04T2${i}:00:00Z` })));
    app.clock.set('2026-04-02T00:00:00Z');
    await app.scheduler.runOnce();
    const res = await app.call('GET', `/v1/orgs/${org}/statements/2026-03/proof`);
    expect(res.status, res.text).toBe(200);
    const proof = res.body as StatementProof;
    expect(proof.statement.chain).toEqual(expect.objectContaining({ first_seq: '9', last_seq: '12', entries: 4 }));
    expect(checkStatementProof(proof)).toEqual(expect.objectContaining({ ok: true, failures: [] }));
  });
});

/** As a superuser would: with the append-only trigger disabled for the one statement. */
async function tamper(app: TestApp, statement: ReturnType<typeof sql>): Promise<void> {
  await app.db.transaction(async (tx) => {
    await tx.execute(sql`alter table ledger_entries disable trigger ledger_entries_append_only`);
    await tx.execute(statement);
    await tx.execute(sql`alter table ledger_entries enable trigger ledger_entries_append_only`);
  });
}

describe('hash chain (pure)', () => {
  it('hashes documented fields only, and a walk names the first breach', () => {
    const base = {
      org: 'o',
      type: 'usage',
      amount: '1000000',
      from: 'block:b1',
      to: 'consumed',
      block: 'b1',
      block_balance_after: '0',
      grant: 'g1',
      occurred_at: '2026-01-01T00:00:00.000Z',
      recorded_at: '2026-01-01T00:00:01.000Z',
      event: 'e1',
      ref: null,
      actor: null,
    };
    const e1 = { ...base, id: '10', seq: '1', prev: GENESIS, hash: '' };
    e1.hash = entryHash(e1);
    const e2 = { ...base, id: '11', seq: '2', prev: e1.hash, hash: '', amount: '2' };
    e2.hash = entryHash(e2);
    expect(e1.hash).toMatch(/^[0-9a-f]{64}$/);
    // The fast encoding is the documented canonical JSON of exactly the hashed members.
    const withNull = { ...e2, event: null, ref: 'quo"te\u00e9' };
    const picked = Object.fromEntries(CHAIN_KEYS.map((k) => [k, withNull[k]]));
    expect(chainJson(withNull)).toBe(canonicalJson(picked));
    // its short way for plain strings writes what JSON.stringify writes, for awkward strings too
    for (const awkward of ['', 'back\\slash', 'new\nline', '\u0001', '\u007f', '\u2028', 'ü', '😀', '\ud800', '\udc00x', 'tab\t', ' ~!#[]']) {
      const odd = { ...e2, actor: awkward, ref: awkward, org: awkward };
      expect(chainJson(odd)).toBe(canonicalJson(Object.fromEntries(CHAIN_KEYS.map((k) => [k, odd[k]]))));
    }
    expect([...CHAIN_KEYS]).toEqual([...CHAIN_KEYS].sort());
    expect(createHash('sha256').update(canonicalJson(picked)).digest('hex')).toBe(entryHash(withNull));
    expect(entryHash({ ...e1, id: 'other' } as typeof e1)).toBe(e1.hash);
    expect(checkChain('o', [e1, e2])).toBeNull();
    expect(checkChain('o', [e2])?.message).toMatch(/position 2 where 1 was expected/);
    expect(checkChain('o', [e1, { ...e2, prev: GENESIS }])?.message).toMatch(/does not link to the entry before it/);
  });

  it('a statement without hashed entries but with figures says it cannot be recomputed', () => {
    const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const zero = { brought_forward: '0', purchased: '0', granted: '5', adjustments: '0', consumed: '0', expired: '0', rolled_over: '0', forfeited: '0', corrections: '0', closing: '5' };
    const result = checkStatementProof({
      format: 'tally-statement-proof-v1',
      statement: { format: 'tally-statement-v1', org: 'o', period: '2025-12', status: 'closed', starts_at: '2025-12-01T00:00:00.000Z', ends_at: '2026-01-01T00:00:00.000Z', closed_at: '2026-01-01T00:00:00.000Z', summary: zero, chain: null },
      signature: { algorithm: 'Ed25519', key_id: 'k', signature: '' },
      public_key: { algorithm: 'Ed25519', key_id: 'k', public_key_pem: pem },
      entries: [],
    });
    expect(result.ok).toBe(false);
    expect(result.failures.join('\n')).toMatch(/its figures cannot be recomputed/);
  });
});
