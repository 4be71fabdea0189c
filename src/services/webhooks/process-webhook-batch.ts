import { sql } from 'drizzle-orm';
import type { AppDb, AppTx } from '../../db/client.ts';
import { ensureCompanies, findOrCreateCurrentSettingsOf } from '../../db/repositories/companies.repository.ts';
import { insertMembershipFacts } from '../../db/repositories/membership-facts.repository.ts';
import { findWebhookEventBodies, lockWebhookEvents, markWebhookEvents } from '../../db/repositories/webhook-events.repository.ts';
import type { WebhookEventStatus } from '../../db/schema/webhook-events.ts';
import type { MembershipFact } from '../../domain/membership-fact.ts';
import { NO_REFERENCES, type ResolvedReferences } from '../../integrations/whop/events/index.ts';
import type { Clock } from '../../integrations/clock.ts';
import { timeQuery, type Metrics } from '../../observability/metrics.ts';
import { reconcileMembershipCases, type ReconcileResult } from '../cases/reconcile-membership-cases.ts';
import { decideWebhookEvent, resolveReferencesOf, type ProcessResult } from './process-webhook-event.ts';
import type { ResolveWebhookReferences } from './resolve-webhook-references.ts';
import { storeMembershipFact } from './store-membership-fact.ts';

export interface BatchOutcome {
  results: Map<number, ProcessResult>;
  /** Events whose Whop lookups failed (retryable): not applied, for the caller to record and retry. */
  thrown: Map<number, unknown>;
}

/**
 * processWebhookEvent for many events in one transaction, with the same rules (decideWebhookEvent)
 * and results, in a fixed number of statements plus one re-derivation per membership: the rows are
 * locked in one SELECT, companies created in one upsert and their settings read in one SELECT, facts stored in one insert (a status fact,
 * which compares itself with its membership's others, alone and in order), and the rows marked in
 * one UPDATE. The advisory locks of every membership are taken first, in one sorted order, so two
 * batches never wait on each other in a cycle. Any throw rolls the whole batch back: the caller then
 * runs its events one by one, so one bad event never fails the others.
 */
export async function processWebhookBatch(
  deps: { db: AppDb; clock: Clock; metrics?: Metrics; resolveReferences?: ResolveWebhookReferences },
  eventIds: number[],
): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { results: new Map(), thrown: new Map() };
  const references = new Map<number, ResolvedReferences>();
  if (deps.resolveReferences) {
    // Outside the transaction, as for one event: no row stays locked during a Whop call.
    for (const [id, rawBody] of await findWebhookEventBodies(deps.db, eventIds)) {
      try {
        references.set(id, await resolveReferencesOf(deps.resolveReferences, rawBody));
      } catch (error) {
        outcome.thrown.set(id, error);
      }
    }
  }
  const ids = eventIds.filter((id) => !outcome.thrown.has(id));
  if (ids.length === 0) return outcome;

  await deps.db.transaction(async (tx) => {
    const rows = await lockWebhookEvents(tx, ids);
    const now = deps.clock.now();
    const marks: { id: number; status: WebhookEventStatus; error: string | null; companyId?: string | null }[] = [];
    const applied: { id: number; type: string; fact: MembershipFact; synthesized: boolean }[] = [];
    const titles = new Map<string, string | null>();
    for (const row of rows) {
      const decision = decideWebhookEvent(row, references.get(row.id) ?? NO_REFERENCES, now);
      if (decision.kind === 'done') outcome.results.set(row.id, decision.result);
      else if (decision.kind === 'mark') {
        marks.push({ id: row.id, status: decision.status, error: decision.error });
        outcome.results.set(row.id, decision.result);
      } else {
        applied.push({ id: row.id, type: row.type, fact: decision.fact, synthesized: decision.synthesized });
        // As one event after another would leave it: the last title given wins, none keeps the name.
        const companyId = decision.fact.companyId;
        if (decision.companyTitle !== null || !titles.has(companyId)) titles.set(companyId, decision.companyTitle ?? titles.get(companyId) ?? null);
      }
    }
    for (const id of ids) if (!outcome.results.has(id) && !applied.some((a) => a.id === id)) outcome.results.set(id, { ok: false, reason: 'not_found' });

    if (applied.length > 0) {
      const memberships = [...new Set(applied.map((a) => membershipKey(a.fact)))].sort();
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(${sql.param(memberships)}::text[]) AS k`);
      // Sorted too: an upsert locks the rows it meets in order.
      await ensureCompanies(tx, [...titles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([companyId, title]) => ({ companyId, title })));
      await storeFacts(tx, applied);
      const settings = await findOrCreateCurrentSettingsOf(tx, [...titles.keys()].sort());
      const reconciled = new Map<string, ReconcileResult>();
      for (const key of memberships) {
        const { fact } = applied.find((a) => membershipKey(a.fact) === key)!;
        const prepared = { locked: true, settings: settings.get(fact.companyId)! };
        reconciled.set(key, await timeQuery(deps.metrics, 'reconcile', 'recovery_cases', () => reconcileMembershipCases(tx, fact.companyId, fact.whopMembershipId, now, prepared)));
      }
      const lastOf = new Map(applied.map((a) => [membershipKey(a.fact), a.id]));
      for (const a of applied) {
        const r = reconciled.get(membershipKey(a.fact))!;
        marks.push({ id: a.id, status: 'processed', error: null, companyId: a.fact.companyId });
        // A created case is counted once, on its membership's last event of the batch.
        outcome.results.set(a.id, { ok: true, outcome: 'processed', type: a.type, createdCases: lastOf.get(membershipKey(a.fact)) === a.id ? r.created : [], caseIds: r.caseIds });
      }
    }
    await markWebhookEvents(tx, marks, now);
  });
  return outcome;
}

/** The key of the per-membership advisory lock (the one reconcileMembershipCases takes). */
function membershipKey(fact: MembershipFact): string {
  return `${fact.companyId}:${fact.whopMembershipId}`;
}

/**
 * Stores the facts in event order: runs of plain facts in one insert each; a status fact alone,
 * after the facts before it, since whether it is new depends on its membership's stored ones.
 */
async function storeFacts(tx: AppTx, applied: { fact: MembershipFact; synthesized: boolean }[]): Promise<void> {
  let run: MembershipFact[] = [];
  for (const { fact, synthesized } of applied) {
    if (fact.kind !== 'membership_activated' && fact.kind !== 'membership_deactivated') {
      run.push(fact);
      continue;
    }
    await insertMembershipFacts(tx, run);
    run = [];
    await storeMembershipFact(tx, fact, { synthesized });
  }
  await insertMembershipFacts(tx, run);
}
