import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { mapRows, text } from '../src/db/rows.js';
import { writeTogether } from '../src/db/together.js';
import { emptyHooks, runBalanceChangedOf, runUsageRecordedOf, type OrgUsage } from '../src/modules/ledger/index.js';
import type { OrgRow } from '../src/modules/orgs/index.js';
import { testDatabases } from './helpers/db.js';
import { seeingStatements } from './helpers/statements.js';

/** writeTogether (src/db/together.ts): independent writes in one statement, each one done, on both databases. */
describe.each(testDatabases)('writeTogether on $name', (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
    await db.transaction((tx) => tx.execute(sql`create table together_a (id text primary key, n int not null)`));
    await db.transaction((tx) => tx.execute(sql`create table together_b (id text primary key)`));
  });
  afterAll(() => db.close());

  const ids = (table: 'together_a' | 'together_b') =>
    db.read((q) => mapRows(q, sql`select id from ${sql.identifier(table)} order by id`, (r) => text(r.id)));

  it('runs every write given, leaves out the undefined ones, and rolls back with its transaction', async () => {
    await db.transaction((tx) =>
      writeTogether(tx, [
        sql`insert into together_a (id, n) select u.id, 1 from unnest(${sql.param(['a1', 'a2'])}::text[]) as u(id)`,
        undefined,
        sql`insert into together_b (id) values (${'b1'})`,
      ]),
    );
    expect(await ids('together_a')).toEqual(['a1', 'a2']);
    expect(await ids('together_b')).toEqual(['b1']);

    await db.transaction((tx) => writeTogether(tx, [sql`update together_a set n = n + 1 where id = ${'a1'}`]));
    await db.transaction((tx) => writeTogether(tx, [undefined]));
    const [n] = await db.read((q) => mapRows(q, sql`select n from together_a where id = ${'a1'}`, (r) => Number(r.n)));
    expect(n).toBe(2);

    // one write refused (a duplicate key): none of them stays
    await expect(
      db.transaction((tx) => writeTogether(tx, [sql`insert into together_a (id, n) values (${'a3'}, 1)`, sql`insert into together_b (id) values (${'b1'})`])),
    ).rejects.toThrow();
    expect(await ids('together_a')).toEqual(['a1', 'a2']);
    expect(await ids('together_b')).toEqual(['b1']);
  });

  it('runUsageRecordedOf sends the caller\'s writes and the usageWrites hooks\' in one statement, before the usageRecorded hooks', async () => {
    const hooks = emptyHooks();
    hooks.usageWrites.push(async () => [sql`insert into together_b (id) values (${'u-hook'})`]);
    let before = -1;
    let seen: string[] = [];
    hooks.usageRecorded.push(async ({ tx }) => {
      before = statements;
      seen = await mapRows(tx, sql`select id from together_b where id like 'u-%' order by id`, (r) => text(r.id));
    });
    let statements = 0;
    // the hooks above never look at the organization: one usage entry is enough for them to run
    const usage = { org: { id: 'org_x' }, events: [] } as unknown as OrgUsage;
    await db.transaction(async (tx) => {
      const counted = seeingStatements(tx, () => void statements++);
      await runUsageRecordedOf(hooks, { tx: counted, now: new Date(), orgs: [usage] }, [sql`insert into together_b (id) values (${'u-caller'})`, undefined]);
    });
    expect(before).toBe(1);
    expect(seen).toEqual(['u-caller', 'u-hook']);
  });
  it('runBalanceChangedOf sends the caller\'s writes and the balanceWrites hooks\' in one statement, before the balanceChanged hooks', async () => {
    const hooks = emptyHooks();
    hooks.balanceWrites.push(({ orgs }) => orgs.map(({ org }) => sql`insert into together_b (id) values (${`f-${org.id}`})`));
    const seen: string[][] = [];
    hooks.balanceChanged.push(async ({ tx }) => void seen.push([`after ${statements}`, ...(await mapRows(tx, sql`select id from together_b where id like 'f-%' order by id`, (r) => text(r.id)))]));
    let statements = 0;
    const orgs = [{ org: { id: 'org_y' } as OrgRow }];
    await db.transaction(async (tx) => {
      const counted = seeingStatements(tx, () => void statements++);
      await runBalanceChangedOf(hooks, { tx: counted, now: new Date(), orgs }, { alongside: [sql`insert into together_b (id) values (${'f-caller'})`] });
    });
    // a caller that sent the balanceWrites with a statement of its own: only the hooks run
    statements = 0;
    await db.transaction((tx) => runBalanceChangedOf(hooks, { tx: seeingStatements(tx, () => void statements++), now: new Date(), orgs: [{ org: { id: 'org_z' } as OrgRow }] }, { writesSent: true }));
    expect(seen).toEqual([['after 1', 'f-caller', 'f-org_y'], ['after 0', 'f-caller', 'f-org_y']]);
  });
});
