import type { PgBoss } from 'pg-boss';
import type { AppDb } from '../../db/client.ts';
import { findUnfinishedReconciliationRun, finishReconciliationRun, insertReconciliationRun, type ReconciliationRun } from '../../db/repositories/reconciliation.repository.ts';
import type { ReconcileJob } from '../../worker/jobs/reconcile-with-whop.job.ts';
import { QUEUES } from '../../worker/queue.ts';
import type { Clock } from '../../integrations/clock.ts';

export type RequestReconciliationResult =
  | { ok: true; outcome: 'queued' | 'already_running'; run: ReconciliationRun }
  | { ok: false; reason: 'whop_not_configured' };

/**
 * An operator's "reconcile now": one queued run for a worker to pick up. A run already queued or
 * running is returned instead of a second (the queue runs one at a time anyway).
 */
export async function requestReconciliation(
  deps: { db: AppDb; boss: PgBoss; clock: Clock; whopConfigured: boolean },
  input: { operatorEmail: string },
): Promise<RequestReconciliationResult> {
  if (!deps.whopConfigured) return { ok: false, reason: 'whop_not_configured' };
  const unfinished = await findUnfinishedReconciliationRun(deps.db);
  if (unfinished) return { ok: true, outcome: 'already_running', run: unfinished };
  const run = await insertReconciliationRun(deps.db, { trigger: 'operator', requestedBy: input.operatorEmail, at: deps.clock.now() });
  const jobId = await deps.boss.send(QUEUES.reconcileWithWhop, { trigger: 'operator', runId: run.id } satisfies ReconcileJob);
  if (jobId === null) {
    // The queue holds one waiting run already (a start or scheduled one): it starts after this request and covers it.
    await finishReconciliationRun(deps.db, run.id, { status: 'failed', error: 'not run: another reconciliation was already queued and covers this request', at: deps.clock.now() });
    return { ok: true, outcome: 'already_running', run: { ...run, status: 'failed' } };
  }
  return { ok: true, outcome: 'queued', run };
}
