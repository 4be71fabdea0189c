import type { Job, PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { AppDb } from '../../db/client.ts';
import { failAbandonedReconciliationRuns, insertReconciliationRun, type ReconciliationTrigger } from '../../db/repositories/reconciliation.repository.ts';
import type { WhopListReader } from '../../integrations/whop/whop-lists.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Clock } from '../../integrations/clock.ts';
import { createWebhookIntake } from '../../services/webhooks/webhook-intake.ts';
import { reconcileWithWhop, type ReconcileOptions } from '../../services/reconciliation/reconcile-with-whop.ts';

/** `runId` when an operator asked (the run row exists, shown as queued); start and schedule jobs make theirs. */
export interface ReconcileJob {
  trigger: ReconciliationTrigger;
  runId?: number;
}

export interface ReconcileJobDeps {
  db: AppDb;
  boss: PgBoss;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  reader: WhopListReader;
  options: ReconcileOptions;
}

/** A run longer than this is taken for abandoned (its worker died): the queue's expiry is the same. */
export const RECONCILE_MAX_RUN_SECONDS = 3600;

/** Runs one reconciliation per job; the queue's singleton policy keeps one active across workers. */
export function reconcileWithWhopJob(deps: ReconcileJobDeps) {
  // The worker's own intake: reconciled events are stored and enqueued exactly like deliveries.
  const ingest = createWebhookIntake({ db: deps.db, boss: deps.boss, clock: deps.clock, metrics: deps.metrics });
  return async (jobs: Job<ReconcileJob>[]): Promise<void> => {
    for (const job of jobs) {
      const now = deps.clock.now();
      await failAbandonedReconciliationRuns(deps.db, new Date(now.getTime() - RECONCILE_MAX_RUN_SECONDS * 1000), now);
      const trigger = job.data.trigger ?? 'schedule';
      const runId = job.data.runId ?? (await insertReconciliationRun(deps.db, { trigger, requestedBy: null, at: now })).id;
      const result = await reconcileWithWhop({ db: deps.db, ingest, reader: deps.reader, clock: deps.clock, metrics: deps.metrics }, { id: runId, trigger }, deps.options);
      const log = { runId, trigger, companies: result.companies, ...result.totals };
      if (result.ok) deps.logger.info(log, 'reconciled with Whop');
      else deps.logger.warn({ ...log, failed: result.failed.map((f) => f.companyId) }, 'reconciliation with Whop incomplete; those companies are retried next run');
    }
  };
}
