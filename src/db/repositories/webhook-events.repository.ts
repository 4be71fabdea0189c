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

/** Inserts once per webhook id; returns the new row's id, or null for a duplicate delivery. */
export async function insertWebhookEvent(q: Queryable, event: NewWebhookEvent): Promise<number | null> {
  const rows = await q
    .insert(webhookEvents)
    .values({ ...event, processedAt: event.status === 'ignored' ? event.receivedAt : null })
    .onConflictDoNothing({ target: webhookEvents.webhookId })
    .returning({ id: webhookEvents.id });
  return rows[0]?.id ?? null;
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
