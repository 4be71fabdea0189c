import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { webhookEvents, type WebhookEventStatus } from '../schema/webhook-events.ts';

export interface NewWebhookEvent {
  webhookId: string;
  companyId: string | null;
  type: string;
  apiVersion: string;
  rawBody: string;
  status: 'pending' | 'ignored';
  receivedAt: Date;
}

/**
 * Inserts a batch, once per webhook id: rows whose webhook id exists already (or repeats within
 * the batch) are skipped. Returns the new rows' ids by webhook id.
 */
export async function insertWebhookEvents(q: Queryable, events: NewWebhookEvent[]): Promise<{ id: number; webhookId: string }[]> {
  if (events.length === 0) return [];
  return q
    .insert(webhookEvents)
    .values(events.map((e) => ({ ...e, processedAt: e.status === 'ignored' ? e.receivedAt : null })))
    .onConflictDoNothing({ target: webhookEvents.webhookId })
    .returning({ id: webhookEvents.id, webhookId: webhookEvents.webhookId });
}

/** Locks the row for the processing transaction, so two workers never apply it together. */
export async function lockWebhookEvent(q: Queryable, id: number) {
  const rows = await q.select().from(webhookEvents).where(eq(webhookEvents.id, id)).for('update');
  return rows[0] ?? null;
}

export async function markWebhookEvent(
  q: Queryable,
  id: number,
  update: { status: WebhookEventStatus; error: string | null; companyId?: string | null; at: Date },
): Promise<void> {
  await q
    .update(webhookEvents)
    .set({
      status: update.status,
      error: update.error,
      processedAt: update.at,
      attempts: sql`${webhookEvents.attempts} + 1`,
      ...(update.companyId !== undefined ? { companyId: update.companyId } : {}),
    })
    .where(eq(webhookEvents.id, id));
}

/** Rows still pending after `olderThan`: their processing job was lost or is stuck. */
export async function listStalePendingEventIds(q: Queryable, olderThan: Date, limit: number): Promise<number[]> {
  const rows = await q
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.status, 'pending'), lt(webhookEvents.receivedAt, olderThan)))
    .orderBy(webhookEvents.receivedAt)
    .limit(limit);
  return rows.map((r) => r.id);
}

export async function countWebhookEventsByStatus(q: Queryable, statuses: WebhookEventStatus[]) {
  return q
    .select({ status: webhookEvents.status, count: sql<number>`count(*)::int` })
    .from(webhookEvents)
    .where(inArray(webhookEvents.status, statuses))
    .groupBy(webhookEvents.status);
}
