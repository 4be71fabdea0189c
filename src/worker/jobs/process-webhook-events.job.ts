import type { Job } from 'pg-boss';
import type { Logger } from 'pino';
import type { AppDb } from '../../db/client.ts';
import { recordProcessingError } from '../../db/repositories/webhook-events.repository.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { reportError } from '../../observability/sentry.ts';
import type { Clock } from '../../integrations/clock.ts';
import { processWebhookEvent } from '../../services/webhooks/process-webhook-event.ts';
import { storableText } from '../../domain/storable-text.ts';
import type { ResolveWebhookReferences } from '../../services/webhooks/resolve-webhook-references.ts';
import { QUEUES, type WebhookEventJob } from '../queue.ts';

/** Attempts before a row that keeps throwing is marked failed and left for an operator. */
export const MAX_PROCESSING_ATTEMPTS = 10;

/**
 * Processes the events of each job one by one. Bad payloads are recorded as failed by the service
 * (permanent). A throw (database outage, bug) is recorded on the row and rethrown after the rest of
 * the batch ran, so pg-boss retries the job; events already processed are skipped on the retry.
 */
export function processWebhookEventsJob(deps: { db: AppDb; clock: Clock; logger: Logger; metrics: Metrics; resolveReferences?: ResolveWebhookReferences }) {
  return async (jobs: Job<WebhookEventJob>[]): Promise<void> => {
    const { logger, metrics } = deps;
    let firstError: unknown;
    for (const job of jobs) {
      for (const rawId of job.data.eventIds) {
        const eventId = Number(rawId);
        try {
          const result = await processWebhookEvent(deps, eventId);
          if (result.ok && result.outcome === 'processed') {
            metrics.webhooksProcessed.inc({ type: result.type, status: 'processed' });
            for (const c of result.createdCases) metrics.recoveryCasesCreated.inc({ risk_level: c.riskLevel });
          } else if (result.ok && result.outcome === 'ignored') {
            metrics.webhooksProcessed.inc({ type: result.type, status: 'ignored' });
          } else if (!result.ok && result.reason === 'invalid_payload') {
            metrics.webhooksProcessed.inc({ type: result.type, status: 'failed' });
            logger.warn({ eventId, type: result.type, problem: result.message }, 'webhook event could not be processed');
          }
        } catch (error) {
          // pg-boss stores the job's error as JSON in PostgreSQL: a NUL in it (an echoed value)
          // would fail that write too and leave the job active until it expires.
          const message = storableText(error instanceof Error ? error.message : String(error));
          firstError ??= new Error(message);
          logger.error({ err: error, eventId }, 'webhook event processing threw; will retry');
          reportError(error, { source: 'worker', tags: { queue: QUEUES.processWebhookEvent }, extra: { eventId } });
          await recordProcessingError(deps.db, eventId, message, MAX_PROCESSING_ATTEMPTS).catch(() => {});
        }
      }
    }
    if (firstError !== undefined) throw firstError;
  };
}
