import { PgBoss, fromPglite } from 'pg-boss';
import { DEFAULT_SCHEMA, insertJobs } from 'pg-boss/dist/plans.js';
import type { Database } from '../db/client.ts';

/** Every queue this service uses, one place. */
export const QUEUES = {
  processWebhookEvent: 'webhook-event-process',
  requeuePendingWebhooks: 'webhook-events-requeue-pending',
  closeExpiredCases: 'recovery-cases-close-expired',
  archiveOldCases: 'recovery-cases-archive-old',
  ensureAuditPartitions: 'audit-events-ensure-partitions',
  purgeExpiredPersonalData: 'personal-data-purge-expired',
  reconcileWithWhop: 'whop-reconcile',
  sendCreatorDigests: 'creator-digests-send',
  decideSaveHolds: 'save-cases-decide-holds',
} as const;

/**
 * A worker killed mid-batch stops its heartbeat (pg-boss stamps one when it fetches the job, so a
 * kill before the first refresh is covered too): HEARTBEAT_SECONDS later the job's claim is stale,
 * and the next monitor pass of any live worker fails it for a retry after its first retry delay
 * (1 s). pg-boss runs that heartbeat check in its monitor pass, which defaults to once a minute
 * (monitorIntervalSeconds 60): that, not the heartbeat, was what left a killed process's last batch
 * active for up to ~70 s, or until the 2-minute expiry. With both passes every SUPERVISE_SECONDS,
 * acked events of a killed process become cases at most ~HEARTBEAT + SUPERVISE + 1 s after the kill
 * (sooner than most restarts), and the 2-minute expiry stays as the bound for a live but hung handler.
 * The pass's queue-stats aggregate reads pg-boss' live-jobs index only, cheap at this cadence.
 */
const HEARTBEAT_SECONDS = 10;
const SUPERVISE_SECONDS = 5;
const WEBHOOK_QUEUE_OPTIONS = { retryLimit: 5, retryDelay: 1, retryBackoff: true, retryDelayMax: 60, expireInSeconds: 120, heartbeatSeconds: HEARTBEAT_SECONDS };

/** Every queue with the options it is created with. */
const QUEUE_OPTIONS: [string, Parameters<PgBoss['createQueue']>[1]][] = [
  [QUEUES.processWebhookEvent, WEBHOOK_QUEUE_OPTIONS],
  [QUEUES.requeuePendingWebhooks, { retryLimit: 0 }],
  [QUEUES.closeExpiredCases, { retryLimit: 0 }],
  [QUEUES.purgeExpiredPersonalData, { retryLimit: 0 }],
  [QUEUES.sendCreatorDigests, { retryLimit: 0 }],
  // Archiving runs in batches of short transactions: a long run must not be expired and retried alongside itself.
  [QUEUES.archiveOldCases, { retryLimit: 0, expireInSeconds: 3600 }],
  [QUEUES.ensureAuditPartitions, { retryLimit: 2, retryDelay: 60 }],
  [QUEUES.decideSaveHolds, { retryLimit: 0 }],
  // Stately: at most one run active and one queued across the fleet (a fleet starting together runs
  // one, not one per worker); a failed company is retried by the next run, not by the job.
  [QUEUES.reconcileWithWhop, { policy: 'stately', retryLimit: 0, expireInSeconds: 3600 }],
];

/** One job per intake transaction: the events it stored, processed one by one. */
export interface WebhookEventJob {
  eventIds: number[];
}

export interface QueueOptions {
  /** Workers run pg-boss maintenance and cron; web processes only send. */
  role: 'web' | 'worker';
}

/**
 * pg-boss on the same database as the data, so a job can be enqueued in the transaction that
 * stores what it processes. PGlite shares its single connection through the fromPglite adapter.
 * On PostgreSQL pg-boss connects to DIRECT_URL when set (its maintenance takes session advisory
 * locks); jobs enqueued in a request's transaction travel on that transaction's connection.
 */
export async function startQueue(database: Pick<Database, 'kind' | 'pglite' | 'connectionString' | 'sessionConnectionString'>, options: QueueOptions): Promise<PgBoss> {
  const isWorker = options.role === 'worker';
  const boss =
    database.kind === 'pglite'
      ? new PgBoss({ db: fromPglite(database.pglite!), backend: 'pglite', supervise: isWorker, schedule: isWorker, superviseIntervalSeconds: SUPERVISE_SECONDS, monitorIntervalSeconds: SUPERVISE_SECONDS })
      : new PgBoss({ connectionString: database.sessionConnectionString ?? database.connectionString!, max: 4, supervise: isWorker, schedule: isWorker, superviseIntervalSeconds: SUPERVISE_SECONDS, monitorIntervalSeconds: SUPERVISE_SECONDS, application_name: 'churn-saver-queue' });
  await boss.start();
  // One read of the existing queues instead of a create per queue: each is a round trip, and on
  // PGlite a few tens of ms at every start.
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  for (const [name, queueOptions] of QUEUE_OPTIONS) if (!existing.has(name)) await boss.createQueue(name, queueOptions);
  // createQueue leaves an existing queue's policy as it was: deployments from before get this one too.
  await boss.updateQueue(QUEUES.processWebhookEvent, WEBHOOK_QUEUE_OPTIONS);
  return boss;
}

/**
 * The INSERT that `boss.send(queue, data)` runs (pg-boss' own statement, with the queue's table and
 * options: retries, expiry, heartbeat), reading its jobs from the SQL expression `jobsJson` (a json
 * array of `{"data": …}`, or NULL for none) instead of a parameter. For a statement that stores rows
 * and enqueues their job at once, as a data-modifying CTE: one round trip and no BEGIN/COMMIT. Not
 * part of it: pg-boss' OpenTelemetry span (off unless a tracer is registered) and its NOTIFY for
 * queues created with `notify` (ours are not; workers poll).
 */
export async function jobInsertStatement(boss: PgBoss, queue: string): Promise<(jobsJson: string) => string> {
  const found = (await boss.getQueue(queue)) as { table?: unknown } | null;
  if (typeof found?.table !== 'string') throw new Error(`pg-boss queue ${queue} does not exist`);
  const statement = insertJobs(DEFAULT_SCHEMA, { table: found.table, name: queue, returnId: false });
  const parameter = '$1::text::json';
  // pg-boss' statement reads its one parameter in one place; anything else is a pg-boss change to look at.
  if (statement.split(parameter).length !== 2 || /\$\d/.test(statement.replace(parameter, ''))) throw new Error('pg-boss insertJobs changed shape: update jobInsertStatement');
  return (jobsJson) => statement.replace(parameter, () => `(${jobsJson})`);
}
