import type { AppDb } from '../db/client.ts';
import { listReconciliationRuns, type ReconciliationRun } from '../db/repositories/reconciliation.repository.ts';

export interface ReconciliationRunView {
  id: number;
  trigger: ReconciliationRun['trigger'];
  requested_by: string | null;
  status: ReconciliationRun['status'];
  companies_total: number;
  companies_done: number;
  payments_read: number;
  memberships_read: number;
  /** Events no webhook had brought: stored now and processed like deliveries. */
  events_stored: number;
  /** Objects whose fact we held already. */
  events_known: number;
  error: string | null;
  requested_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export function toRunView(run: ReconciliationRun): ReconciliationRunView {
  return {
    id: run.id, trigger: run.trigger, requested_by: run.requestedBy, status: run.status,
    companies_total: run.companiesTotal, companies_done: run.companiesDone, payments_read: run.paymentsRead, memberships_read: run.membershipsRead,
    events_stored: run.eventsStored, events_known: run.eventsKnown, error: run.error,
    requested_at: run.requestedAt.toISOString(), started_at: run.startedAt?.toISOString() ?? null, finished_at: run.finishedAt?.toISOString() ?? null,
  };
}

/** Operators only (spans every company): the latest reconciliation runs, newest first. */
export async function presentReconciliationRuns(db: AppDb, limit = 10): Promise<{ runs: ReconciliationRunView[] }> {
  return { runs: (await listReconciliationRuns(db, limit)).map(toRunView) };
}
