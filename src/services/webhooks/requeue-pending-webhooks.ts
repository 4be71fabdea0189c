import type { PgBoss } from 'pg-boss';
import type { AppDb } from '../../db/client.ts';
import { listStalePendingEventIds } from '../../db/repositories/webhook-events.repository.ts';
import { QUEUES } from '../../worker/queue.ts';
import type { Clock } from '../../integrations/clock.ts';

/**
 * How long a row may stay pending before the sweep assumes its job was lost. Every row is stored
 * with its job, and a killed worker's jobs come back through pg-boss' heartbeat (queue.ts), so this
 * is only the net for a lost job. Safe at a minute: re-enqueueing a row whose job is merely queued
 * behind a backlog costs one skipped lookup (processing locks the row and skips processed ones).
 */
export const STALE_PENDING_MS = 60_000;
const JOB_SIZE = 100;

/**
 * Re-enqueues webhook events left pending (a lost job, a crash between commit and work).
 * Processing is idempotent, so an event that was only slow gets processed once all the same.
 */
export async function requeuePendingWebhooks(deps: { db: AppDb; boss: PgBoss; clock: Clock }, batchSize = 1000): Promise<number> {
  const olderThan = new Date(deps.clock.now().getTime() - STALE_PENDING_MS);
  const ids = await listStalePendingEventIds(deps.db, olderThan, batchSize);
  for (let i = 0; i < ids.length; i += JOB_SIZE) {
    const eventIds = ids.slice(i, i + JOB_SIZE);
    // The same stale set gets one job however many sweeps see it before a worker does.
    await deps.boss.send(QUEUES.processWebhookEvent, { eventIds }, { singletonKey: `requeue-${eventIds[0]}-${eventIds.at(-1)}` });
  }
  return ids.length;
}
