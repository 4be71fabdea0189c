import { sql } from 'drizzle-orm';
import { queryRows, type AppDb } from '../../db/client.ts';
import type { Clock } from '../../integrations/clock.ts';

export interface PurgeResult {
  webhookBodiesPurged: number;
  exportsExpired: number;
}

const BATCH = 1000;

/**
 * Retention: raw webhook bodies older than `rawWebhookDays` are cleared (the row stays for
 * de-duplication and the facts' link; pending rows are never touched), and member exports past
 * their expiry lose their document. In short batches, so a large backlog never holds long locks.
 */
export async function purgeExpiredPersonalData(deps: { db: AppDb; clock: Clock }, options: { rawWebhookDays: number }): Promise<PurgeResult> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - options.rawWebhookDays * 86_400_000);
  let webhookBodiesPurged = 0;
  for (;;) {
    const [row] = await queryRows<{ n: number }>(deps.db, sql`
      WITH batch AS (
        SELECT id FROM webhook_events WHERE raw_body IS NOT NULL AND status <> 'pending' AND received_at < ${cutoff} ORDER BY received_at LIMIT ${BATCH}
      ), purged AS (
        UPDATE webhook_events w SET raw_body = NULL, body_purged_at = ${now} FROM batch WHERE w.id = batch.id RETURNING 1
      ) SELECT count(*)::int AS n FROM purged`);
    webhookBodiesPurged += row!.n;
    if (row!.n < BATCH) break;
  }
  const [expired] = await queryRows<{ n: number }>(deps.db, sql`
    WITH expired AS (UPDATE member_data_exports SET document = NULL WHERE document IS NOT NULL AND expires_at <= ${now} RETURNING 1)
    SELECT count(*)::int AS n FROM expired`);
  return { webhookBodiesPurged, exportsExpired: expired!.n };
}
