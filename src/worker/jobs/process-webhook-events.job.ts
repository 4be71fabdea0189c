import type { Job } from 'pg-boss';
import type { Logger } from 'pino';
import type { AppDb } from '../../db/client.ts';
import { recordProcessingError } from '../../db/repositories/webhook-events.repository.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { reportError } from '../../observability/sentry.ts';
import type { Clock } from '../../integrations/clock.ts';
import { processWebhookEvent, type ProcessResult } from '../../services/webhooks/process-webhook-event.ts';
import { processWebhookBatch, type BatchOutcome } from '../../services/webhooks/process-webhook-batch.ts';
import { storableText } from '../../domain/storable-text.ts';
import type { ResolveWebhookReferences } from '../../services/webhooks/resolve-webhook-references.ts';
import { QUEUES, type WebhookEventJob } from '../queue.ts';

/** Attempts before a row that keeps throwing is marked failed and left for an operator. */
export const MAX_PROCESSING_ATTEMPTS = 10;

/** Most events one batch transaction applies (its advisory locks, one per membership, fit PGlite's lock table). */
export const EVENTS_PER_BATCH = 50;

type Deps = { db: AppDb; clock: Clock; logger: Logger; metrics: Metrics; resolveReferences?: ResolveWebhookReferences };

/**
 * Processes the events of the fetched jobs in batches of EVENTS_PER_BATCH, each in one transaction
 * (process-webhook-batch.ts). A batch that throws is rolled back and its events run one by one, so a
 * bad event fails only itself. Bad payloads are recorded as failed by the service (permanent). A
 * throw (database outage, bug) is recorded on the row and rethrown after the rest ran, so pg-boss
 * retries the jobs; events already processed are skipped on the retry.
 */
export function processWebhookEventsJob(deps: Deps) {
  return async (jobs: Job<WebhookEventJob>[]): Promise<void> => {
    const errors: unknown[] = [];
    const eventIds = [...new Set(jobs.flatMap((job) => job.data.eventIds.map(Number)))];
    for (let i = 0; i < eventIds.length; i += EVENTS_PER_BATCH) {
      const batch = eventIds.slice(i, i + EVENTS_PER_BATCH);
      let outcome: BatchOutcome;
      try {
        outcome = await processWebhookBatch(deps, batch);
      } catch (error) {
        deps.logger.warn({ err: error, events: batch.length }, 'webhook batch rolled back; processing its events one by one');
        for (const eventId of batch) {
          try {
            report(deps, eventId, await processWebhookEvent(deps, eventId));
          } catch (eventError) {
            errors.push(await recordThrow(deps, eventId, eventError));
          }
        }
        continue;
      }
      for (const [eventId, result] of outcome.results) report(deps, eventId, result);
      for (const [eventId, error] of outcome.thrown) errors.push(await recordThrow(deps, eventId, error));
    }
    if (errors.length > 0) throw errors[0];
  };
}

function report({ logger, metrics }: Deps, eventId: number, result: ProcessResult): void {
  if (result.ok && result.outcome === 'processed') {
    metrics.webhooksProcessed.inc({ type: result.type, status: 'processed' });
    for (const c of result.createdCases) metrics.recoveryCasesCreated.inc({ risk_level: c.riskLevel });
  } else if (result.ok && result.outcome === 'ignored') {
    metrics.webhooksProcessed.inc({ type: result.type, status: 'ignored' });
  } else if (!result.ok && result.reason === 'invalid_payload') {
    metrics.webhooksProcessed.inc({ type: result.type, status: 'failed' });
    logger.warn({ eventId, type: result.type, problem: result.message }, 'webhook event could not be processed');
  }
}

/** Records a throw on its row (failed after MAX_PROCESSING_ATTEMPTS); returns the error to rethrow. */
async function recordThrow(deps: Deps, eventId: number, error: unknown): Promise<Error> {
  // pg-boss stores the job's error as JSON in PostgreSQL: a NUL in it (an echoed value)
  // would fail that write too and leave the job active until it expires.
  const message = storableText(error instanceof Error ? error.message : String(error));
  deps.logger.error({ err: error, eventId }, 'webhook event processing threw; will retry');
  reportError(error, { source: 'worker', tags: { queue: QUEUES.processWebhookEvent }, extra: { eventId } });
  await recordProcessingError(deps.db, eventId, message, MAX_PROCESSING_ATTEMPTS).catch(() => {});
  return new Error(message);
}
