import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { queryText, type AppDb, type Queryable } from '../client.ts';
import { fieldCipher } from '../encrypted-text.ts';
import { webhookEvents, type WebhookEventStatus } from '../schema/webhook-events.ts';
import { storableText } from '../../domain/storable-text.ts';

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
 * the batch) are skipped. Returns the new rows' ids by webhook id. With `enqueuePending` (a job
 * INSERT reading its jobs from a SQL expression, worker/queue.ts jobInsertStatement), the same
 * statement also enqueues one job `{ eventIds }` listing the new pending rows (none when there are
 * none): rows and job commit together or not at all, in one round trip.
 */
export async function insertWebhookEvents(
  db: AppDb,
  events: NewWebhookEvent[],
  enqueuePending?: (jobsJson: string) => string,
): Promise<{ id: number; webhookId: string }[]> {
  if (events.length === 0) return [];
  const statement = insertStatementFor(enqueuePending);
  // Raw SQL bypasses the column codec: the body (personal data) is encrypted here.
  const cipher = fieldCipher();
  const column = <T>(pick: (e: NewWebhookEvent) => T) => events.map(pick);
  const rows = await queryText<{ id: string | number; webhook_id: string }>(db, statement.name, statement.text, [
    column((e) => e.webhookId),
    column((e) => e.companyId),
    column((e) => e.type),
    column((e) => e.apiVersion),
    column((e) => cipher.encrypt(e.rawBody)),
    column((e) => e.status),
    column((e) => e.receivedAt.toISOString()),
  ]);
  return rows.map((r) => ({ id: Number(r.id), webhookId: r.webhook_id }));
}

/** The job list for the batch's new pending rows: one job `{ eventIds }`, or NULL when there are none. */
const PENDING_JOB = `SELECT json_build_array(json_build_object('data', json_build_object('eventIds', json_agg(id ORDER BY id)))) FROM ins WHERE status = 'pending' HAVING count(*) > 0`;

type Statement = { name: string; text: string };
const insertStatements = new WeakMap<(jobsJson: string) => string, Statement>();
let insertOnly: Statement | undefined;

/**
 * The statement's text, built once: one array parameter per column, as this is the webhook hot path
 * (a many-row VALUES list through the query builder cost more CPU than the insert itself). Named
 * after its text, so a process never prepares two texts under one name.
 */
function insertStatementFor(enqueuePending: ((jobsJson: string) => string) | undefined): Statement {
  let statement = enqueuePending ? insertStatements.get(enqueuePending) : insertOnly;
  if (statement === undefined) {
    const text = `
      WITH ins AS (
        INSERT INTO webhook_events (webhook_id, company_id, type, api_version, raw_body, status, received_at, processed_at)
        SELECT w, c, t, v, b, s, r, CASE WHEN s = 'ignored' THEN r END
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) AS u(w, c, t, v, b, s, r)
        ON CONFLICT (webhook_id) DO NOTHING
        RETURNING id, webhook_id, status
      )${enqueuePending ? `, job AS (${enqueuePending(PENDING_JOB)})` : ''}
      SELECT id, webhook_id FROM ins`;
    statement = { name: `webhook-events-insert-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`, text };
    if (enqueuePending) insertStatements.set(enqueuePending, statement);
    else insertOnly = statement;
  }
  return statement;
}

/** The stored body of a row still to be processed (pending or failed), without locking; null otherwise. */
export async function findWebhookEventBody(q: Queryable, id: number): Promise<string | null> {
  const rows = await q.select({ rawBody: webhookEvents.rawBody, status: webhookEvents.status }).from(webhookEvents).where(eq(webhookEvents.id, id));
  const row = rows[0];
  return row && row.status !== 'processed' && row.status !== 'ignored' ? row.rawBody : null;
}

/** Locks the row for the processing transaction, so two workers never apply it together. */
export async function lockWebhookEvent(q: Queryable, id: number) {
  const rows = await q.select().from(webhookEvents).where(eq(webhookEvents.id, id)).for('update');
  return rows[0] ?? null;
}

/** Locks many rows for one batch transaction, in id order (two batches sharing rows never deadlock). */
export async function lockWebhookEvents(q: Queryable, ids: number[]) {
  return q.select().from(webhookEvents).where(inArray(webhookEvents.id, ids)).orderBy(asc(webhookEvents.id)).for('update');
}

/** The stored bodies of rows still to be processed, without locking (bodies of done rows are null). */
export async function findWebhookEventBodies(q: Queryable, ids: number[]): Promise<Map<number, string | null>> {
  const rows = await q.select({ id: webhookEvents.id, rawBody: webhookEvents.rawBody, status: webhookEvents.status }).from(webhookEvents).where(inArray(webhookEvents.id, ids));
  return new Map(rows.map((r) => [r.id, r.status !== 'processed' && r.status !== 'ignored' ? r.rawBody : null]));
}

/** markWebhookEvent for many rows in one statement; `companyId` undefined leaves the row's as it is. */
export async function markWebhookEvents(
  q: Queryable,
  updates: { id: number; status: WebhookEventStatus; error: string | null; companyId?: string | null }[],
  at: Date,
): Promise<void> {
  if (updates.length === 0) return;
  const column = <T>(pick: (u: (typeof updates)[number]) => T) => sql.param(updates.map(pick));
  await q.execute(sql`
    UPDATE webhook_events w SET status = u.s, error = u.e, processed_at = ${at.toISOString()}::timestamptz, attempts = w.attempts + 1,
      company_id = CASE WHEN u.keep THEN w.company_id ELSE u.c END
    FROM unnest(${column((u) => u.id)}::bigint[], ${column((u) => u.status)}::text[], ${column((u) => (u.error === null ? null : storableText(u.error)))}::text[],
                ${column((u) => u.companyId ?? null)}::text[], ${column((u) => u.companyId === undefined)}::boolean[]) AS u(id, s, e, c, keep)
    WHERE w.id = u.id`);
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
      error: update.error === null ? null : storableText(update.error),
      processedAt: update.at,
      attempts: sql`${webhookEvents.attempts} + 1`,
      ...(update.companyId !== undefined ? { companyId: update.companyId } : {}),
    })
    .where(eq(webhookEvents.id, id));
}

/**
 * Records a processing attempt that threw (outage, bug). After `maxAttempts` the row is marked
 * failed so the sweep stops retrying it; it stays visible with its error.
 */
export async function recordProcessingError(q: Queryable, id: number, error: string, maxAttempts: number): Promise<void> {
  await q
    .update(webhookEvents)
    .set({
      error: storableText(error),
      attempts: sql`${webhookEvents.attempts} + 1`,
      status: sql`CASE WHEN ${webhookEvents.attempts} + 1 >= ${maxAttempts} THEN 'failed' ELSE ${webhookEvents.status} END`,
    })
    .where(and(eq(webhookEvents.id, id), eq(webhookEvents.status, 'pending')));
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
