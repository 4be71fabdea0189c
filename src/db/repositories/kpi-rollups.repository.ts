import { sql } from 'drizzle-orm';
import { queryRows, type Queryable } from '../client.ts';

/**
 * Every KPI rollup (migrations 0029, 0037, 0044, 0045) with its sum columns. The triggers add and
 * subtract, never delete: a group that empties (an open case closing leaves its open-window group
 * at zero) stays as a row of zeros, which the overview reads past (`n <> 0`).
 */
const ROLLUPS: Record<string, string[]> = {
  kpi_case_days: ['n', 'at_risk_cents', 'recovered_cents'],
  kpi_case_weeks: ['n', 'at_risk_cents', 'recovered_cents'],
  kpi_delivery_days: ['n'],
  kpi_delivery_weeks: ['n'],
  kpi_incentive_days: ['n', 'cost_cents'],
  kpi_incentive_weeks: ['n', 'cost_cents'],
  kpi_click_days: ['n'],
  kpi_click_weeks: ['n'],
  kpi_recovery_weeks: ['n'],
  kpi_recovery_hours: ['n'],
};

/**
 * Deletes the rollups' all-zero rows, `batch` at a time (short statements beside live writes).
 * Safe while the triggers run: a trigger's upsert that finds the row gone inserts it again, and a
 * row a trigger has just raised is no longer all zeros when the delete re-checks it.
 * Returns how many rows went.
 */
export async function pruneEmptyRollupRows(q: Queryable, batch = 10_000): Promise<number> {
  let pruned = 0;
  for (const [table, sums] of Object.entries(ROLLUPS)) {
    const empty = sql.raw(sums.map((c) => `${c} = 0`).join(' AND '));
    const name = sql.raw(table);
    for (;;) {
      const [row] = await queryRows<{ n: number | string }>(
        q,
        sql`WITH gone AS (DELETE FROM ${name} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${name} WHERE ${empty} LIMIT ${batch})) AND ${empty} RETURNING 1) SELECT count(*) AS n FROM gone`,
      );
      const n = Number(row?.n ?? 0);
      pruned += n;
      if (n < batch) break;
    }
  }
  return pruned;
}
