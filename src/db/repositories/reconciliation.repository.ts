import { sql } from 'drizzle-orm';
import { queryRows, type Queryable } from '../client.ts';
import type { MembershipFact } from '../../domain/membership-fact.ts';

export type ReconciliationTrigger = 'start' | 'schedule' | 'operator';
export type ReconciliationStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface ReconciliationRun {
  id: number;
  trigger: ReconciliationTrigger;
  requestedBy: string | null;
  status: ReconciliationStatus;
  companiesTotal: number;
  companiesDone: number;
  paymentsRead: number;
  membershipsRead: number;
  eventsStored: number;
  eventsKnown: number;
  error: string | null;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

type RunRow = {
  id: string | number; trigger: ReconciliationTrigger; requested_by: string | null; status: ReconciliationStatus;
  companies_total: number; companies_done: number; payments_read: number; memberships_read: number;
  events_stored: number; events_known: number; error: string | null;
  requested_at: Date | string; started_at: Date | string | null; finished_at: Date | string | null;
};

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));
function toRun(r: RunRow): ReconciliationRun {
  return {
    id: Number(r.id), trigger: r.trigger, requestedBy: r.requested_by, status: r.status,
    companiesTotal: r.companies_total, companiesDone: r.companies_done, paymentsRead: r.payments_read, membershipsRead: r.memberships_read,
    eventsStored: r.events_stored, eventsKnown: r.events_known, error: r.error,
    requestedAt: new Date(r.requested_at), startedAt: date(r.started_at), finishedAt: date(r.finished_at),
  };
}

export async function insertReconciliationRun(q: Queryable, run: { trigger: ReconciliationTrigger; requestedBy: string | null; at: Date }): Promise<ReconciliationRun> {
  const rows = await queryRows<RunRow>(q, sql`
    INSERT INTO reconciliation_runs (trigger, requested_by, requested_at) VALUES (${run.trigger}, ${run.requestedBy}, ${run.at.toISOString()}::timestamptz)
    RETURNING *`);
  return toRun(rows[0]!);
}

/** A run not finished yet (queued or running), newest first; null when none. */
export async function findUnfinishedReconciliationRun(q: Queryable): Promise<ReconciliationRun | null> {
  const rows = await queryRows<RunRow>(q, sql`SELECT * FROM reconciliation_runs WHERE status IN ('queued', 'running') ORDER BY id DESC LIMIT 1`);
  return rows[0] ? toRun(rows[0]) : null;
}

export async function listReconciliationRuns(q: Queryable, limit: number): Promise<ReconciliationRun[]> {
  const rows = await queryRows<RunRow>(q, sql`SELECT * FROM reconciliation_runs ORDER BY id DESC LIMIT ${limit}`);
  return rows.map(toRun);
}

export async function startReconciliationRun(q: Queryable, id: number, companiesTotal: number, at: Date): Promise<void> {
  await q.execute(sql`UPDATE reconciliation_runs SET status = 'running', started_at = ${at.toISOString()}::timestamptz, companies_total = ${companiesTotal}, error = NULL WHERE id = ${id}`);
}

/** Adds one company's counts to the run (progress the admin page shows while it runs). */
export async function addReconciliationProgress(
  q: Queryable,
  id: number,
  add: { companiesDone: number; paymentsRead: number; membershipsRead: number; eventsStored: number; eventsKnown: number },
): Promise<void> {
  await q.execute(sql`
    UPDATE reconciliation_runs SET companies_done = companies_done + ${add.companiesDone}, payments_read = payments_read + ${add.paymentsRead},
      memberships_read = memberships_read + ${add.membershipsRead}, events_stored = events_stored + ${add.eventsStored}, events_known = events_known + ${add.eventsKnown}
    WHERE id = ${id}`);
}

export async function finishReconciliationRun(q: Queryable, id: number, result: { status: 'succeeded' | 'failed'; error: string | null; at: Date }): Promise<void> {
  await q.execute(sql`UPDATE reconciliation_runs SET status = ${result.status}, error = ${result.error}, finished_at = ${result.at.toISOString()}::timestamptz WHERE id = ${id}`);
}

/** Runs left running by a process that died: failed, so the page does not show them running forever. */
export async function failAbandonedReconciliationRuns(q: Queryable, startedBefore: Date, at: Date): Promise<void> {
  await q.execute(sql`
    UPDATE reconciliation_runs SET status = 'failed', error = 'abandoned: the worker stopped during the run', finished_at = ${at.toISOString()}::timestamptz
    WHERE status = 'running' AND started_at < ${startedBefore.toISOString()}::timestamptz`);
}

export async function listKnownCompanyIds(q: Queryable): Promise<string[]> {
  const rows = await queryRows<{ company_id: string }>(q, sql`SELECT company_id FROM companies ORDER BY company_id`);
  return rows.map((r) => r.company_id);
}

/** Whop has been read through this instant for the company; null when never reconciled. */
export async function findReconciledThrough(q: Queryable, companyId: string): Promise<Date | null> {
  const rows = await queryRows<{ reconciled_through: Date | string }>(q, sql`SELECT reconciled_through FROM reconciliation_cursors WHERE company_id = ${companyId}`);
  return rows[0] ? new Date(rows[0].reconciled_through) : null;
}

export async function saveReconciliationCursor(q: Queryable, companyId: string, cursor: { through: Date | null; runId: number; error: string | null; at: Date }): Promise<void> {
  const through = cursor.through?.toISOString() ?? null;
  await q.execute(sql`
    INSERT INTO reconciliation_cursors (company_id, reconciled_through, last_run_id, last_error, updated_at)
    VALUES (${companyId}, coalesce(${through}::timestamptz, ${cursor.at.toISOString()}::timestamptz - interval '1 hour'), ${cursor.runId}, ${cursor.error}, ${cursor.at.toISOString()}::timestamptz)
    ON CONFLICT (company_id) DO UPDATE SET
      reconciled_through = coalesce(${through}::timestamptz, reconciliation_cursors.reconciled_through),
      last_run_id = EXCLUDED.last_run_id, last_error = EXCLUDED.last_error, updated_at = EXCLUDED.updated_at`);
}

/**
 * Whether this fact is stored already: the same row by the fact's identity (what the unique
 * index compares), or for a status fact, the membership's latest status being this one.
 */
export async function isFactKnown(q: Queryable, fact: MembershipFact): Promise<boolean> {
  if (fact.kind === 'membership_activated' || fact.kind === 'membership_deactivated') {
    const rows = await queryRows<{ kind: string }>(q, sql`
      SELECT kind FROM membership_facts
      WHERE company_id = ${fact.companyId} AND whop_membership_id = ${fact.whopMembershipId} AND kind IN ('membership_activated', 'membership_deactivated')
      ORDER BY occurred_at DESC, id DESC LIMIT 1`);
    return rows[0]?.kind === fact.kind;
  }
  const rows = await queryRows<{ one: number }>(q, sql`
    SELECT 1 AS one FROM membership_facts
    WHERE company_id = ${fact.companyId} AND whop_membership_id = ${fact.whopMembershipId} AND kind = ${fact.kind}
      AND coalesce(whop_payment_id, '') = ${fact.whopPaymentId ?? ''} AND occurred_at = ${fact.occurredAt.toISOString()}::timestamptz
    LIMIT 1`);
  return rows.length > 0;
}

/** Memberships of open cases whose latest status fact is a deactivation: a re-activation we missed would recover them. */
export async function listDeactivatedOpenCaseMemberships(q: Queryable, companyId: string): Promise<string[]> {
  const rows = await queryRows<{ whop_membership_id: string }>(q, sql`
    SELECT DISTINCT c.whop_membership_id FROM recovery_cases c
    WHERE c.company_id = ${companyId} AND c.status = 'open'
      AND (SELECT f.kind FROM membership_facts f
           WHERE f.company_id = c.company_id AND f.whop_membership_id = c.whop_membership_id AND f.kind IN ('membership_activated', 'membership_deactivated')
           ORDER BY f.occurred_at DESC, f.id DESC LIMIT 1) = 'membership_deactivated'`);
  return rows.map((r) => r.whop_membership_id);
}

/** When we last stored a delivery (not a reconciled event) for the company; null when none. */
export async function findLastDeliveryAt(q: Queryable, companyId: string): Promise<Date | null> {
  const rows = await queryRows<{ at: Date | string | null }>(q, sql`
    SELECT max(received_at) AS at FROM webhook_events WHERE company_id = ${companyId} AND webhook_id NOT LIKE 'reconcile:%'`);
  return rows[0]?.at ? new Date(rows[0].at) : null;
}
