import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { AppDb } from '../db/client.ts';
import type { Metrics } from '../observability/metrics.ts';
import { reportError } from '../observability/sentry.ts';
import type { Clock } from '../integrations/clock.ts';
import { closeExpiredCases } from '../services/cases/close-expired-cases.ts';
import { requeuePendingWebhooks } from '../services/webhooks/requeue-pending-webhooks.ts';
import { purgeExpiredPersonalData } from '../services/members/purge-expired-personal-data.ts';
import { decideSaveHolds } from '../services/saves/decide-save-holds.ts';
import { archiveOldCasesJob } from './jobs/archive-old-cases.job.ts';
import { sendCreatorDigestsJob } from './jobs/send-creator-digests.job.ts';
import type { EmailSender } from '../integrations/email/email-sender.ts';
import { ensureAuditPartitionsJob } from './jobs/ensure-audit-partitions.job.ts';
import { EVENTS_PER_BATCH, processWebhookEventsJob } from './jobs/process-webhook-events.job.ts';
import { reconcileWithWhopJob, type ReconcileJob } from './jobs/reconcile-with-whop.job.ts';
import type { WhopListReader } from '../integrations/whop/whop-lists.ts';
import type { ReconcileOptions } from '../services/reconciliation/reconcile-with-whop.ts';
import type { ResolveWebhookReferences } from '../services/webhooks/resolve-webhook-references.ts';
import { QUEUES, type WebhookEventJob } from './queue.ts';

/** Every cron this service runs, one list. */
export const SCHEDULES = [
  { queue: QUEUES.requeuePendingWebhooks, cron: '* * * * *', why: 're-enqueue webhook rows left pending' },
  { queue: QUEUES.closeExpiredCases, cron: '*/5 * * * *', why: 'close cases whose attribution window passed' },
  { queue: QUEUES.archiveOldCases, cron: '17 3 * * *', why: 'move cases idle for over 2 years (with their rows) to the archive schema, at a quiet hour' },
  { queue: QUEUES.purgeExpiredPersonalData, cron: '37 * * * *', why: 'clear raw webhook bodies past RAW_WEBHOOK_RETENTION_DAYS and member exports past their 7 days' },
  { queue: QUEUES.ensureAuditPartitions, cron: '7 0 * * *', why: 'keep audit.events partitions for this month and the next three (daily, so a missed day never matters)' },
  { queue: QUEUES.sendCreatorDigests, cron: '3 * * * *', why: "each company's daily digest email, once a UTC day at the hour it chose (settings.digest; needs SMTP)" },
  { queue: QUEUES.decideSaveHolds, cron: '*/5 * * * *', why: 'decide saves whose 30-day hold ended: held, or reverted (issue #15 §2)' },
  { queue: QUEUES.reconcileWithWhop, cron: '*/15 * * * *', why: 'ask Whop for payments and memberships no webhook announced (RECONCILE_CRON overrides; also at start and from the admin page)' },
] as const;

export interface WorkerDeps {
  db: AppDb;
  boss: PgBoss;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Days raw webhook bodies are kept (RAW_WEBHOOK_RETENTION_DAYS). */
  rawWebhookRetentionDays?: number;
  /** Reconciliation with Whop; absent without WHOP_API_KEY (nothing to read from). */
  reconcile?: { reader: WhopListReader; options: ReconcileOptions; cron?: string; onStart: boolean };
  /** Looks up in Whop the ids a webhook gives bare (newer API versions); absent = nothing is looked up. */
  resolveReferences?: ResolveWebhookReferences;
  /** The creators' daily digest; absent without SMTP (nothing to send it with). */
  digest?: { email: EmailSender; publicUrl: string };
}

/** Registers the job handlers and schedules on a started pg-boss. */
export async function startWorker(deps: WorkerDeps): Promise<void> {
  const { boss, logger, metrics } = deps;
  // A full fetch means more is waiting: fetch again at once (burstWhenBatchFull) rather than after
  // the polling interval, which left a worker draining a backlog idle most of the time. A fetch
  // takes as many jobs as one batch transaction applies (a job is one intake transaction, mostly
  // one event), so a backlog is drained in full batches: its fixed statements spread over 50 events.
  await boss.work<WebhookEventJob>(
    QUEUES.processWebhookEvent,
    { batchSize: EVENTS_PER_BATCH, localConcurrency: 2, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
    processWebhookEventsJob(deps),
  );
  await boss.work(QUEUES.requeuePendingWebhooks, reportingFailures(QUEUES.requeuePendingWebhooks, async () => {
    const n = await requeuePendingWebhooks(deps);
    if (n > 0) logger.warn({ requeued: n }, 'requeued webhook events left pending');
  }));
  await boss.work(QUEUES.closeExpiredCases, reportingFailures(QUEUES.closeExpiredCases, async () => {
    const n = await closeExpiredCases(deps);
    if (n > 0) logger.info({ memberships: n }, 'closed cases past their attribution window');
  }));
  await boss.work(QUEUES.purgeExpiredPersonalData, reportingFailures(QUEUES.purgeExpiredPersonalData, async () => {
    const purged = await purgeExpiredPersonalData(deps, { rawWebhookDays: deps.rawWebhookRetentionDays ?? 30 });
    if (purged.webhookBodiesPurged + purged.exportsExpired > 0) logger.info(purged, 'purged personal data past its retention');
  }));
  await boss.work(QUEUES.decideSaveHolds, reportingFailures(QUEUES.decideSaveHolds, async () => {
    const n = await decideSaveHolds(deps);
    if (n > 0) logger.info({ memberships: n }, 'decided saves whose 30-day hold ended');
  }));
  await boss.work(QUEUES.archiveOldCases, reportingFailures(QUEUES.archiveOldCases, archiveOldCasesJob(deps)));
  if (deps.digest) await boss.work(QUEUES.sendCreatorDigests, reportingFailures(QUEUES.sendCreatorDigests, sendCreatorDigestsJob({ ...deps, ...deps.digest })));
  const ensurePartitions = ensureAuditPartitionsJob(deps);
  await boss.work(QUEUES.ensureAuditPartitions, reportingFailures(QUEUES.ensureAuditPartitions, ensurePartitions));
  // At start too: a service down over a month boundary has its partitions before the first cron.
  await ensurePartitions().catch((error) => logger.error({ err: error }, 'audit.events partitions not ensured at start'));
  if (deps.reconcile) {
    const reconcile = deps.reconcile;
    await boss.work<ReconcileJob>(QUEUES.reconcileWithWhop, reportingFailures(QUEUES.reconcileWithWhop, reconcileWithWhopJob({ ...deps, ...reconcile })));
    // At start: an outage ends with a restart, and what Whop could not deliver meanwhile is read back now.
    // The queue keeps one queued: workers starting together add one run, not one each.
    if (reconcile.onStart) await boss.send(QUEUES.reconcileWithWhop, { trigger: 'start' } satisfies ReconcileJob);
  }
  for (const s of SCHEDULES) {
    if (s.queue === QUEUES.reconcileWithWhop) {
      if (deps.reconcile) await boss.schedule(s.queue, deps.reconcile.cron ?? s.cron, { trigger: 'schedule' } satisfies ReconcileJob);
      else await boss.unschedule(s.queue);
      continue;
    }
    if (s.queue === QUEUES.sendCreatorDigests && !deps.digest) {
      await boss.unschedule(s.queue);
      continue;
    }
    await boss.schedule(s.queue, s.cron);
  }
}

/** pg-boss records a throw as the job's failure; Sentry hears of it too. The error still propagates. */
function reportingFailures<A extends unknown[]>(queue: string, handler: (...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    try {
      await handler(...args);
    } catch (error) {
      reportError(error, { source: 'worker', tags: { queue } });
      throw error;
    }
  };
}
