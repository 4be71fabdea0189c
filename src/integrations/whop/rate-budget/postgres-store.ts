import type { SqlRunner } from '../../../db/client.ts';
import type { BudgetStore, StoreReservation } from './store.ts';

/** The database server's clock in epoch ms, so every worker reads one clock. */
const NOW_MS = `floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

/** How many of $5 slots fit in the wait ($4) from a base, as domain/rate-budget.ts `reserveMany` counts them. */
const fits = (base: string, now: string) => `least($5::bigint, greatest(0, floor((${now} + $4::bigint + $3::bigint - ${base})::numeric / $2::bigint) + 1))::bigint`;
const BASE = 'greatest(b.tat_ms, EXCLUDED.seen_ms)';

/**
 * domain/rate-budget.ts `reserveMany` as one statement: the upsert's row lock serialises concurrent
 * workers, and every SET expression reads the old row, so base, count and the new tat agree.
 * `wait_ms` keeps the base's offset from now, so RETURNING gives the count: (tat - seen - offset) / interval.
 * $1 operation, $2 interval, $3 tolerance, $4 max wait (ms), $5 count.
 */
const RESERVE = `
INSERT INTO whop_rate_budget AS b (operation, seen_ms, wait_ms, granted, tat_ms)
SELECT $1, n.now, 0, ${fits('n.now', 'n.now')} > 0, n.now + $2::bigint * ${fits('n.now', 'n.now')}
FROM (SELECT ${NOW_MS} AS now) n
ON CONFLICT (operation) DO UPDATE SET
  wait_ms = ${BASE} - EXCLUDED.seen_ms,
  granted = ${fits(BASE, 'EXCLUDED.seen_ms')} > 0,
  tat_ms = CASE WHEN ${fits(BASE, 'EXCLUDED.seen_ms')} > 0 THEN ${BASE} + $2::bigint * ${fits(BASE, 'EXCLUDED.seen_ms')} ELSE b.tat_ms END,
  seen_ms = EXCLUDED.seen_ms
RETURNING tat_ms, seen_ms, wait_ms, granted`;

/** `pause`: $1 operation, $2 retry-after, $3 tolerance (ms). */
const PAUSE = `
INSERT INTO whop_rate_budget AS b (operation, tat_ms, seen_ms, paused_until)
VALUES ($1, ${NOW_MS} + $2::bigint + $3::bigint, ${NOW_MS}, clock_timestamp() + ($2::bigint * interval '1 millisecond'))
ON CONFLICT (operation) DO UPDATE SET
  tat_ms = greatest(b.tat_ms, EXCLUDED.tat_ms), seen_ms = EXCLUDED.seen_ms,
  paused_until = greatest(b.paused_until, EXCLUDED.paused_until)`;

/** The PostgreSQL store (also PGlite, where one process owns the database anyway). */
export function createPostgresBudgetStore(sql: SqlRunner): BudgetStore {
  return {
    name: 'postgres',
    async reserve(operation, params, maxWaitMs, count): Promise<StoreReservation> {
      type Row = { tat_ms: string | number; seen_ms: string | number; wait_ms: string | number; granted: boolean };
      const { rows } = await sql.query<Row>(RESERVE, [operation, params.intervalMs, params.toleranceMs, Math.floor(maxWaitMs), count]);
      const row = rows[0]!;
      const baseOffsetMs = Number(row.wait_ms);
      const granted = row.granted ? Math.round((Number(row.tat_ms) - Number(row.seen_ms) - baseOffsetMs) / params.intervalMs) : 0;
      return { granted, baseOffsetMs };
    },
    async pause(operation, params, retryAfterMs) {
      await sql.query(PAUSE, [operation, Math.ceil(retryAfterMs), params.toleranceMs]);
    },
    async pausedFor(operation) {
      const { rows } = await sql.query<{ ms: string | number | null }>(
        `SELECT greatest(0, floor(extract(epoch FROM paused_until - clock_timestamp()) * 1000)) AS ms FROM whop_rate_budget WHERE operation = $1`, [operation]);
      return Number(rows[0]?.ms ?? 0);
    },
    async close() {},
  };
}
