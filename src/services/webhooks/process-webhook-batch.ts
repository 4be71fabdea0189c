import type { AppDb } from '../../db/client.ts';
import { ensureCompanies, findOrCreateCurrentSettingsOf } from '../../db/repositories/companies.repository.ts';
import { findWebhookEventBodies, lockWebhookEvents, markWebhookEvents } from '../../db/repositories/webhook-events.repository.ts';
import type { WebhookEventStatus } from '../../db/schema/webhook-events.ts';
import type { MembershipFact } from '../../domain/membership-fact.ts';
import { NO_REFERENCES, type ResolvedReferences } from '../../integrations/whop/events/index.ts';
import type { Clock } from '../../integrations/clock.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { membershipKey, recordMembershipFacts } from '../cases/record-membership-fact.ts';
import { decideWebhookEvent, resolveReferencesOf, type ProcessResult } from './process-webhook-event.ts';
import type { ResolveWebhookReferences } from './resolve-webhook-references.ts';

export interface BatchOutcome {
  results: Map<number, ProcessResult>;
  /** Events whose Whop lookups failed (retryable): not applied, for the caller to record and retry. */
  thrown: Map<number, unknown>;
}

/**
 * processWebhookEvent for many events in one transaction, with the same rules (decideWebhookEvent)
 * and results, in a fixed number of statements plus one re-derivation per membership: the rows are
 * locked in one SELECT, companies created in one upsert and their settings read in one SELECT, the
 * facts recorded through recordMembershipFacts (every membership's lock in one sorted order, facts
 * in one insert, a status fact alone and in order, one re-derivation per membership), and the rows
 * marked in one UPDATE. Any throw rolls the whole batch back: the caller then
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
      const companies = [...titles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([companyId, title]) => ({ companyId, title }));
      const afterLock = async () => {
        // Sorted too: an upsert locks the rows it meets in order.
        await ensureCompanies(tx, companies);
        return findOrCreateCurrentSettingsOf(tx, [...titles.keys()].sort());
      };
      const reconciled = await recordMembershipFacts(tx, applied, { now, metrics: deps.metrics, afterLock });
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
