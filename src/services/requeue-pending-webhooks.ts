import type { PgBoss } from 'pg-boss';
import type { AppDb } from '../db/client.ts';
import { listStalePendingEventIds } from '../db/repositories/webhook-events.repository.ts';
import { QUEUES } from '../worker/queue.ts';
import type { Clock } from './clock.ts';

/** How long a row may stay pending before the sweep assumes its job was lost. */
export const STALE_PENDING_MS = 2 * 60_000;

/**
 * Re-enqueues webhook events left pending (a lost job, a crash between commit and work).
 * A singleton key per event keeps repeated sweeps from stacking jobs; processing is idempotent anyway.
 */
export async function requeuePendingWebhooks(deps: { db: AppDb; boss: PgBoss; clock: Clock }, batchSize = 1000): Promise<number> {
  const olderThan = new Date(deps.clock.now().getTime() - STALE_PENDING_MS);
  const ids = await listStalePendingEventIds(deps.db, olderThan, batchSize);
  for (const eventId of ids) {
    await deps.boss.send(QUEUES.processWebhookEvent, { eventId }, { singletonKey: `event-${eventId}` });
  }
  return ids.length;
}
