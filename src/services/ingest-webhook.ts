import type { PgBoss } from 'pg-boss';
import type { AppDb } from '../db/client.ts';
import { insertWebhookEvent } from '../db/repositories/webhook-events.repository.ts';
import { isHandledEventType } from '../integrations/whop/events/index.ts';
import { normalizeLegacyV5, isLegacyV5 } from '../integrations/whop/events/legacy-v5.ts';
import { enqueueInTransaction, QUEUES } from '../worker/queue.ts';
import { timeQuery, type Metrics } from '../observability/metrics.ts';
import type { Clock } from './clock.ts';

export interface IngestInput {
  webhookId: string;
  apiVersion: 'v1' | 'v5';
  rawBody: string;
  body: unknown;
}

export type IngestResult =
  | { ok: true; outcome: 'accepted' | 'ignored'; eventId: number; type: string }
  | { ok: true; outcome: 'duplicate'; type: string }
  | { ok: false; reason: 'missing_type' | 'missing_id'; message: string };

/**
 * Stores a verified delivery and enqueues its processing in one transaction, so nothing is
 * answered 2xx before the row has committed. Unknown event types are stored as ignored.
 * A delivery whose webhook id was seen before changes nothing.
 */
export async function ingestWebhook(deps: { db: AppDb; boss: PgBoss; clock: Clock; metrics?: Metrics }, input: IngestInput): Promise<IngestResult> {
  const envelope = readEnvelope(input);
  if (!envelope.ok) return envelope;
  const { type, companyId } = envelope;
  const handled = isHandledEventType(type);
  const eventId = await timeQuery(deps.metrics, 'insert', 'webhook_events', () => deps.db.transaction(async (tx) => {
    const id = await insertWebhookEvent(tx, {
      webhookId: input.webhookId,
      companyId,
      type,
      apiVersion: input.apiVersion,
      rawBody: input.rawBody,
      status: handled ? 'pending' : 'ignored',
      receivedAt: deps.clock.now(),
    });
    if (id !== null && handled) await enqueueInTransaction(deps.boss, tx, QUEUES.processWebhookEvent, { eventId: id });
    return id;
  }));
  if (eventId === null) return { ok: true, outcome: 'duplicate', type };
  return { ok: true, outcome: handled ? 'accepted' : 'ignored', eventId, type };
}

type Envelope = { ok: true; type: string; companyId: string | null } | { ok: false; reason: 'missing_type' | 'missing_id'; message: string };

function readEnvelope(input: IngestInput): Envelope {
  const body = (isLegacyV5(input.body) ? normalizeLegacyV5(input.body) : input.body) as Record<string, unknown> | null;
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, reason: 'missing_type', message: 'body must be a JSON object' };
  if (typeof body.type !== 'string' || body.type.length === 0)
    return { ok: false, reason: 'missing_type', message: input.apiVersion === 'v5' ? 'body.action is required' : 'body.type is required' };
  if (input.apiVersion === 'v1' && (typeof body.id !== 'string' || body.id.length === 0))
    return { ok: false, reason: 'missing_id', message: 'body.id is required' };
  const data = body.data as { company?: { id?: unknown } } | undefined;
  const companyId = typeof data?.company?.id === 'string' ? data.company.id : typeof body.company_id === 'string' ? body.company_id : null;
  return { ok: true, type: body.type, companyId };
}
