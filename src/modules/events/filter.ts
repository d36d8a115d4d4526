import { sql } from 'drizzle-orm';

/*
 * The filters of the events list and the export. Apart from reads.ts because reads.ts imports
 * corrections, which import the events surface (index.ts): the surface offers this file, which
 * imports neither, without an import cycle.
 */

export interface EventFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  meter?: string | undefined;
  user?: string | undefined;
  /** only these users' events (a manager's scope) */
  users?: string[] | undefined;
  project?: string | undefined;
}

/** Filters of the events list and export, as one SQL condition. */
export function eventConditions(orgId: string, f: EventFilter) {
  return sql.join(
    [
      sql`org_id = ${orgId}`,
      f.from && sql`timestamp >= ${f.from.toISOString()}::timestamptz`,
      f.to && sql`timestamp < ${f.to.toISOString()}::timestamptz`,
      f.meter && sql`meter = ${f.meter}`,
      f.user && sql`user_id = ${f.user}`,
      f.users && sql`user_id = any(${sql.param(f.users)}::text[])`,
      f.project && sql`project = ${f.project}`,
    ].filter((c) => c !== undefined && c !== ''),
    sql` and `,
  );
}
