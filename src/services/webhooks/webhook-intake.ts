import type { PgBoss } from 'pg-boss';
import type { AppDb } from '../../db/client.ts';
import { insertWebhookEvents, type NewWebhookEvent } from '../../db/repositories/webhook-events.repository.ts';
import { isHandledEventType, isLegacyV5, normalizeLegacyV5 } from '../../integrations/whop/events/index.ts';
import { timeQuery, type Metrics } from '../../observability/metrics.ts';
import { jobInsertStatement, QUEUES } from '../../worker/queue.ts';
import type { Clock } from '../../integrations/clock.ts';
import { idProblem } from '../../domain/storable-text.ts';

export interface IngestInput {
  webhookId: string;
  apiVersion: 'v1' | 'v5';
  rawBody: string;
  body: unknown;
}

export type IngestResult =
  | { ok: true; outcome: 'accepted' | 'ignored'; eventId: number; type: string }
  | { ok: true; outcome: 'duplicate'; type: string }
  | { ok: false; reason: 'missing_type' | 'missing_id' | 'unstorable'; message: string };

export interface IngestDeps {
  db: AppDb;
  boss: PgBoss;
  clock: Clock;
  metrics?: Metrics;
}

/** Most deliveries one transaction stores; more wait for the next. */
const MAX_BATCH = 200;

interface Pending {
  event: NewWebhookEvent;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Store-first intake with group commit. Each delivery's row and its processing job are written in
 * one transaction, so nothing is answered 2xx before the row has committed and no committed row
 * lacks its job. Up to `maxInFlight` transactions run at once; deliveries arriving while all are
 * busy share the next one: no added latency when idle, few transactions for many deliveries in a burst.
 * A webhook id seen before resolves as a duplicate and changes nothing.
 */
export function createWebhookIntake(deps: IngestDeps, options: { maxInFlight?: number } = {}) {
  // PGlite is one connection: more than one transaction in flight would only queue inside it.
  const maxInFlight = options.maxInFlight ?? 4;
  const queue: Pending[] = [];
  let inFlight = 0;
  let scheduled = false;
  // The job INSERT is read from pg-boss once (its queue's table); a failed read is tried again by the next batch.
  let enqueuePending: Promise<(jobsJson: string) => string> | null = null;
  const store = (events: NewWebhookEvent[]) => {
    enqueuePending ??= jobInsertStatement(deps.boss, QUEUES.processWebhookEvent).catch((error: unknown) => {
      enqueuePending = null;
      throw error;
    });
    return enqueuePending.then((enqueue) => storeBatch(deps, enqueue, events));
  };

  // Deferred to the check phase so requests that arrived meanwhile are parsed and join the batch:
  // PGlite runs a transaction without yielding to I/O, so without this every batch has one delivery.
  function schedulePump(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      pump();
    });
  }

  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      inFlight += 1;
      store(batch.map((p) => p.event))
        .then(
          (stored) => {
            for (const p of batch) p.resolve(resultFor(p.event, stored));
          },
          async (error: unknown) => {
            // Nothing of the batch committed. An outage fails them all (503, Whop retries); a row
            // PostgreSQL refused fails only itself: the others are stored one by one.
            if (!isDataError(error)) for (const p of batch) p.reject(error);
            else if (batch.length === 1) batch[0]!.resolve({ ok: false, reason: 'unstorable', message: 'the event holds a value that cannot be stored' });
            else for (const p of batch) await storeAlone(p);
          },
        )
        .finally(() => {
          inFlight -= 1;
          schedulePump();
        });
    }
  }

  async function storeAlone(p: Pending): Promise<void> {
    try {
      p.resolve(resultFor(p.event, await store([p.event])));
    } catch (error) {
      if (isDataError(error)) p.resolve({ ok: false, reason: 'unstorable', message: 'the event holds a value that cannot be stored' });
      else p.reject(error);
    }
  }

  return function ingestWebhook(input: IngestInput): Promise<IngestResult> {
    const envelope = readEnvelope(input);
    if (!envelope.ok) return Promise.resolve(envelope);
    const event: NewWebhookEvent = {
      webhookId: input.webhookId,
      companyId: envelope.companyId,
      type: envelope.type,
      apiVersion: input.apiVersion,
      rawBody: input.rawBody,
      status: isHandledEventType(envelope.type) ? 'pending' : 'ignored',
      receivedAt: deps.clock.now(),
    };
    return new Promise<IngestResult>((resolve, reject) => {
      queue.push({ event, resolve, reject });
      schedulePump();
    });
  };
}

/**
 * Inserts a batch and enqueues one job for its new pending rows, in one statement (so one commit,
 * with no BEGIN/COMMIT round trips). Returns webhook id → row id.
 */
async function storeBatch(deps: IngestDeps, enqueuePending: (jobsJson: string) => string, events: NewWebhookEvent[]): Promise<Map<string, number>> {
  return timeQuery(deps.metrics, 'insert', 'webhook_events', async () => {
    const inserted = await insertWebhookEvents(deps.db, events, enqueuePending);
    return new Map(inserted.map((r) => [r.webhookId, r.id]));
  });
}

/** The first delivery of a webhook id in a batch owns the new row; any other is a duplicate. */
function resultFor(event: NewWebhookEvent, stored: Map<string, number>): IngestResult {
  const id = stored.get(event.webhookId);
  if (id === undefined) return { ok: true, outcome: 'duplicate', type: event.type };
  stored.delete(event.webhookId);
  return { ok: true, outcome: event.status === 'pending' ? 'accepted' : 'ignored', eventId: id, type: event.type };
}

type Envelope = { ok: true; type: string; companyId: string | null } | { ok: false; reason: 'missing_type' | 'missing_id' | 'unstorable'; message: string };

/**
 * SQLSTATE classes of a value the database refuses (22 data exception: NUL, bad dates; 23
 * integrity; 54 program limit: an index row too large): that row's fault, not an outage.
 */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code ?? (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}

function readEnvelope(input: IngestInput): Envelope {
  const body = (isLegacyV5(input.body) ? normalizeLegacyV5(input.body) : input.body) as Record<string, unknown> | null;
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, reason: 'missing_type', message: 'body must be a JSON object' };
  if (typeof body.type !== 'string' || body.type.length === 0)
    return { ok: false, reason: 'missing_type', message: input.apiVersion === 'v5' ? 'body.action is required' : 'body.type is required' };
  if (input.apiVersion === 'v1' && (typeof body.id !== 'string' || body.id.length === 0))
    return { ok: false, reason: 'missing_id', message: 'body.id is required' };
  // What we index must be storable: checked here so one bad delivery never fails its batch.
  const companyId = companyIdOfBody(body);
  for (const [name, value] of [['webhook id', input.webhookId], ['type', body.type], ['company id', companyId]] as const) {
    const problem = value === null ? null : idProblem(value);
    if (problem) return { ok: false, reason: 'unstorable', message: `${name} ${problem}` };
  }
  return { ok: true, type: body.type, companyId };
}

/**
 * The company a verified delivery is about (`data.company` or `data.account`, nested or a bare id,
 * else the top-level `company_id` or, for webhooks pinned on or after 2026-08-14, `account_id`;
 * legacy v5 bodies normalized first), or null when it names none. Only meaningful after the
 * signature is verified: an unsigned body can name any company.
 */
export function companyIdOfDelivery(verifiedBody: unknown): string | null {
  const body = isLegacyV5(verifiedBody) ? normalizeLegacyV5(verifiedBody) : verifiedBody;
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? companyIdOfBody(body as Record<string, unknown>) : null;
}

function companyIdOfBody(body: Record<string, unknown>): string | null {
  const data = body.data as { company?: unknown; account?: unknown } | undefined;
  return idOf(data?.company) ?? idOf(data?.account) ?? idOf(body.company_id) ?? idOf(body.account_id);
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id !== '' ? id : null;
}
