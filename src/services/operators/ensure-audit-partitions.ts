import { sql } from 'drizzle-orm';
import { queryRows, type AppDb } from '../../db/client.ts';
import type { Clock } from '../../integrations/clock.ts';

/** Months ahead of the current one that always have a partition (the current month + 3). */
export const AUDIT_PARTITION_MONTHS_AHEAD = 3;

/**
 * Makes sure audit.events has its monthly partitions (UTC) for the clock's current month and the
 * next three, by calling audit.create_event_partitions (migration 0009). Idempotent and safe on
 * several workers at once. Without it nothing breaks: rows of a month with no partition land in
 * audit.events_default. Returns how many partitions it created.
 */
export async function ensureAuditPartitions(deps: { db: AppDb; clock: Clock }, monthsAhead = AUDIT_PARTITION_MONTHS_AHEAD): Promise<number> {
  const now = deps.clock.now().toISOString();
  const [row] = await queryRows<{ created: number }>(deps.db, sql`SELECT audit.create_event_partitions(${now}::timestamptz, ${monthsAhead + 1}) AS created`);
  return Number(row?.created ?? 0);
}
