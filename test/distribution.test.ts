import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.js';
import type { Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { testDatabases } from './helpers/db.js';

/**
 * Ready to distribute by organization (docs/scaling.md): every table is either
 * a platform-wide reference table (replicated to every node) or carries
 * `org_id` at the head of its primary key and of every unique index, so a
 * distributed engine can place each organization's rows on one node and
 * enforce uniqueness there. Foreign keys, where there are any, include
 * `org_id` so they stay inside one organization.
 */
export const REFERENCE_TABLES = new Set([
  'meters', // the platform's meter catalogue
  'server_keys', // the deployment's statement-signing key
  'customer_aliases', // the platform's customer ids → organization (looked up before the organization is known)
  'platform_config', // the version of platform-wide configuration (meters), read with every organization lock
]);
/** `orgs` is distributed by its own id, the organization id itself. */
const DISTRIBUTION_COLUMN: Record<string, string> = { orgs: 'id' };

for (const target of testDatabases) {
  describe(`distribution by organization (${target.name})`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await target.open();
      await migrate(db);
    });
    afterAll(async () => db.close());

    const catalog = <T>(query: ReturnType<typeof sql>) => db.read((q) => rows<T>(q, query));

    it('every table is a reference table or carries its organization', async () => {
      const tables = await catalog<{ table: string; columns: string[] }>(sql`
        select c.relname as "table", array_agg(a.attname::text order by a.attnum) as columns
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        where n.nspname = 'public' and c.relkind in ('r', 'p')
        group by c.relname order by 1`);
      expect(tables.length).toBeGreaterThan(30);
      const unplaced = tables
        .filter((t) => !REFERENCE_TABLES.has(t.table))
        .filter((t) => !t.columns.includes(DISTRIBUTION_COLUMN[t.table] ?? 'org_id'))
        .map((t) => t.table);
      expect(unplaced).toEqual([]);
    });

    it('primary keys and unique indexes lead with the organization', async () => {
      const indexes = await catalog<{ table: string; index: string; first: string }>(sql`
        select t.relname as "table", i.relname as "index", a.attname::text as first
        from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_class t on t.oid = x.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        left join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
        where n.nspname = 'public' and (x.indisunique or x.indisprimary)`);
      const wrong = indexes
        .filter((i) => !REFERENCE_TABLES.has(i.table))
        .filter((i) => i.first !== (DISTRIBUTION_COLUMN[i.table] ?? 'org_id'))
        .map((i) => `${i.table}.${i.index} leads with ${i.first ?? 'an expression'}`);
      expect(wrong).toEqual([]);
    });

    it('foreign keys stay inside one organization', async () => {
      const fks = await catalog<{ name: string; def: string; target: string }>(sql`
        select con.conname as name, pg_get_constraintdef(con.oid) as def, f.relname as target
        from pg_constraint con join pg_class f on f.oid = con.confrelid
        join pg_namespace n on n.oid = f.relnamespace
        where con.contype = 'f' and n.nspname = 'public'`);
      const crossing = fks.filter((fk) => !REFERENCE_TABLES.has(fk.target) && !/\borg_id\b/.test(fk.def)).map((fk) => fk.name);
      expect(crossing).toEqual([]);
    });
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('queries stay inside one organization', () => {
  it('every SQL join matches on org_id (or joins a reference table)', () => {
    // A join of two distributed tables on anything but the organization would
    // need rows from two nodes; a join on org_id is colocated.
    const join = /\bjoin\s+([a-z_]+)\s+([a-z_]+\s+)?on\s+([^\n]*)/gi;
    // the tables of the schema (a join of two CTEs already filtered to one organization is no risk)
    const tables = new Set(
      sourceFiles('src/db/schema').flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/pgTable\(\s*'([a-z_]+)'/g)].map((m) => m[1]!)),
    );
    expect(tables.size).toBeGreaterThan(30);
    const offenders: string[] = [];
    let joins = 0;
    for (const file of sourceFiles('src')) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(join)) {
        const [, table, , condition] = match;
        if (!tables.has(table!) || REFERENCE_TABLES.has(table!)) continue;
        joins++;
        if (!/\borg_id\b/.test(condition!)) offenders.push(`${file}: ${match[0].trim()}`);
      }
    }
    expect(joins).toBeGreaterThan(5); // the scan still finds the queries it checks
    expect(offenders).toEqual([]);
  });
});
