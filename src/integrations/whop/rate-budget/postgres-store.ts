import type { SqlRunner } from '../../../db/client.ts';
import type { BudgetStore, StoreReservation } from './store.ts';

/** The database server's clock in epoch ms, so every worker reads one clock. */
const NOW_MS = `floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

/**
 * domain/rate-budget.ts `reserve` as one statement: the upsert's row lock serialises concurrent
 * workers, and every SET expression reads the old row, so wait, grant and the new tat agree.
 * $1 operation, $2 interval, $3 tolerance, $4 max wait (ms).
 */
const RESERVE = `
INSERT INTO whop_rate_budget AS b (operation, tat_ms, wait_ms, granted, seen_ms)
VALUES ($1, ${NOW_MS} + $2::bigint, 0, true, ${NOW_MS})
ON CONFLICT (operation) DO UPDATE SET
  wait_ms = greatest(greatest(b.tat_ms, EXCLUDED.seen_ms) - $3::bigint - EXCLUDED.seen_ms, 0),
  granted = greatest(greatest(b.tat_ms, EXCLUDED.seen_ms) - $3::bigint - EXCLUDED.seen_ms, 0) <= $4::bigint,
  tat_ms = CASE WHEN greatest(greatest(b.tat_ms, EXCLUDED.seen_ms) - $3::bigint - EXCLUDED.seen_ms, 0) <= $4::bigint
                THEN greatest(b.tat_ms, EXCLUDED.seen_ms) + $2::bigint ELSE b.tat_ms END,
  seen_ms = EXCLUDED.seen_ms
RETURNING granted, wait_ms`;

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
    async reserve(operation, params, maxWaitMs): Promise<StoreReservation> {
      const { rows } = await sql.query<{ granted: boolean; wait_ms: string | number }>(RESERVE, [operation, params.intervalMs, params.toleranceMs, Math.floor(maxWaitMs)]);
      return { granted: rows[0]!.granted, waitMs: Number(rows[0]!.wait_ms) };
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
