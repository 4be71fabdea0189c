import type { SqlRunner } from '../../../db/client.ts';
import type { BucketParams } from '../../../domain/rate-budget.ts';
import type { BudgetStore, ReserveRequest, StoreReservation } from './store.ts';

/** The database server's clock in epoch ms, so every worker reads one clock. */
const NOW_MS = `floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

/** How many of $5 slots fit in the wait ($4) from a base, as domain/rate-budget.ts `reserveMany` counts them. */
/** How many of `count` slots fit in the wait from a base, as domain/rate-budget.ts `reserveMany` counts them. */
const fits = (p: Params, base: string, now: string) => `least(${p.count}::bigint, greatest(0, floor((${now} + ${p.maxWait}::bigint + ${p.tolerance}::bigint - ${base})::numeric / ${p.interval}::bigint) + 1))::bigint`;
const BASE = 'greatest(b.tat_ms, EXCLUDED.seen_ms)';
type Params = { operation: string; interval: string; tolerance: string; maxWait: string; count: string };
const paramsFrom = (first: number): Params => ({ operation: `$${first}`, interval: `$${first + 1}`, tolerance: `$${first + 2}`, maxWait: `$${first + 3}`, count: `$${first + 4}` });

/**
 * domain/rate-budget.ts `reserveMany` as one upsert: its row lock serialises concurrent workers,
 * and every SET expression reads the old row, so base, count and the new tat agree.
 * `wait_ms` keeps the base's offset from now, so RETURNING gives the count: (tat - seen - offset) / interval.
 * Parameters from `first`: operation, interval, tolerance, max wait (ms), count.
 */
const reserveUpsert = (p: Params) => `
INSERT INTO whop_rate_budget AS b (operation, seen_ms, wait_ms, granted, tat_ms)
SELECT ${p.operation}, n.now, 0, ${fits(p, 'n.now', 'n.now')} > 0, n.now + ${p.interval}::bigint * ${fits(p, 'n.now', 'n.now')}
FROM (SELECT ${NOW_MS} AS now) n
ON CONFLICT (operation) DO UPDATE SET
  wait_ms = ${BASE} - EXCLUDED.seen_ms,
  granted = ${fits(p, BASE, 'EXCLUDED.seen_ms')} > 0,
  tat_ms = CASE WHEN ${fits(p, BASE, 'EXCLUDED.seen_ms')} > 0 THEN ${BASE} + ${p.interval}::bigint * ${fits(p, BASE, 'EXCLUDED.seen_ms')} ELSE b.tat_ms END,
  seen_ms = EXCLUDED.seen_ms
RETURNING operation, tat_ms, seen_ms, wait_ms, granted`;
const RESERVE = reserveUpsert(paramsFrom(1));
/** Several operations (distinct rows) in one statement: one upsert per operation, each a CTE. */
const reserveEachSql = (n: number) =>
  `WITH ${Array.from({ length: n }, (_, i) => `r${i} AS (${reserveUpsert(paramsFrom(i * 5 + 1))})`).join(', ')} ${Array.from({ length: n }, (_, i) => `SELECT * FROM r${i}`).join(' UNION ALL ')}`;

type Row = { operation: string; tat_ms: string | number; seen_ms: string | number; wait_ms: string | number; granted: boolean };
const reservationOf = (row: Row, params: BucketParams): StoreReservation => {
  const baseOffsetMs = Number(row.wait_ms);
  const granted = row.granted ? Math.round((Number(row.tat_ms) - Number(row.seen_ms) - baseOffsetMs) / params.intervalMs) : 0;
  return { granted, baseOffsetMs };
};

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
      const { rows } = await sql.query<Row>(RESERVE, [operation, params.intervalMs, params.toleranceMs, Math.floor(maxWaitMs), count]);
      return reservationOf(rows[0]!, params);
    },
    async reserveEach(requests: readonly ReserveRequest[]): Promise<StoreReservation[]> {
      if (requests.length === 1) return [await this.reserve(requests[0]!.operation, requests[0]!.params, requests[0]!.maxWaitMs, requests[0]!.count)];
      const { rows } = await sql.query<Row>(reserveEachSql(requests.length), requests.flatMap((r) => [r.operation, r.params.intervalMs, r.params.toleranceMs, Math.floor(r.maxWaitMs), r.count]));
      return requests.map((r) => reservationOf(rows.find((row) => row.operation === r.operation)!, r.params));
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
