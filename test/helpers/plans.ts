import { sql, type SQL } from 'drizzle-orm';
import { rows, type Q } from '../../src/db/client.js';

/** A node of EXPLAIN (ANALYZE, FORMAT JSON)'s plan, the fields the plan tests read. */
export interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Runs `statement` under EXPLAIN ANALYZE on `q` (so it is executed: use a transaction rolled back afterwards) and answers its plan. */
export async function explainAnalyzed(q: Q, statement: SQL): Promise<PlanNode> {
  const [row] = await rows<{ 'QUERY PLAN': unknown }>(q, sql`explain (analyze, format json) ${statement}`);
  const json = row!['QUERY PLAN'];
  return (typeof json === 'string' ? JSON.parse(json) : json)[0].Plan as PlanNode;
}

/** Rows the plan read from `table`: what its scans returned and what they threw away, over all loops. */
export function rowsReadFrom(node: PlanNode, table: string): number {
  const loops = node['Actual Loops'] ?? 1;
  const own =
    node['Relation Name'] === table
      ? ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * loops
      : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsReadFrom(child, table), 0);
}
