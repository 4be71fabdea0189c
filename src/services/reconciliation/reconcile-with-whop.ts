import type { AppDb } from '../../db/client.ts';
import {
  addReconciliationProgress,
  findLastDeliveryAt,
  findReconciledThrough,
  finishReconciliationRun,
  isFactKnown,
  listDeactivatedOpenCaseMemberships,
  listKnownCompanyIds,
  saveReconciliationCursor,
  startReconciliationRun,
  type ReconciliationTrigger,
} from '../../db/repositories/reconciliation.repository.ts';
import { mapWebhookToFact } from '../../integrations/whop/events/index.ts';
import { eventForMembership, eventForPayment, INACTIVE_MEMBERSHIP_STATUSES, type SynthesizedEvent } from '../../integrations/whop/synthesized-events.ts';
import type { WhopListReader, WhopObjectPage } from '../../integrations/whop/whop-lists.ts';
import type { WhopResult } from '../../integrations/whop/whop-gateway.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Clock } from '../../integrations/clock.ts';
import type { IngestInput, IngestResult } from '../webhooks/webhook-intake.ts';

export interface ReconcileDeps {
  db: AppDb;
  /** The webhook intake (services/webhooks/webhook-intake.ts): reconciled events are stored and processed exactly like deliveries. */
  ingest: (input: IngestInput) => Promise<IngestResult>;
  reader: WhopListReader;
  clock: Clock;
  metrics?: Metrics;
  /** Waits before retrying a page Whop or the budget deferred (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
}

export interface ReconcileOptions {
  /** A company never reconciled is read this far back; no company further. */
  lookbackMs: number;
  /** Re-read before the previous run's start, for late-stamped changes. */
  overlapMs: number;
  /** Pages per list per company per run (100 objects each). */
  maxPages?: number;
}

export interface CompanyCounts {
  paymentsRead: number;
  membershipsRead: number;
  eventsStored: number;
  eventsKnown: number;
}

export type ReconcileResult =
  | { ok: true; companies: number; totals: CompanyCounts }
  | { ok: false; reason: 'partial'; companies: number; failed: { companyId: string; message: string }[]; totals: CompanyCounts };

/**
 * Asks Whop what we may have missed and feeds it through the webhook path. Per known company,
 * from the earlier of its reconciliation cursor and its last stored delivery (minus the overlap,
 * never beyond the lookback): payments updated since then (failed attempts and paid ones), inactive
 * memberships cancelled since then, and the current status of memberships whose open case we
 * believe deactivated. Each object becomes the event that would have announced it
 * (integrations/whop/synthesized-events.ts); one whose fact is stored already is counted as known
 * and not stored again. Safe to run twice or alongside deliveries: the intake dedupes the event
 * id, facts are unique, status changes merge. A company whose reads fail keeps its cursor and is
 * retried by the next run; the others move on.
 */
export async function reconcileWithWhop(deps: ReconcileDeps, run: { id: number; trigger: ReconciliationTrigger }, options: ReconcileOptions): Promise<ReconcileResult> {
  const startedAt = deps.clock.now();
  const companies = await listKnownCompanyIds(deps.db);
  await startReconciliationRun(deps.db, run.id, companies.length, startedAt);
  const totals: CompanyCounts = { paymentsRead: 0, membershipsRead: 0, eventsStored: 0, eventsKnown: 0 };
  const failed: { companyId: string; message: string }[] = [];
  for (const companyId of companies) {
    const counts: CompanyCounts = { paymentsRead: 0, membershipsRead: 0, eventsStored: 0, eventsKnown: 0 };
    let error: string | null = null;
    try {
      await reconcileCompany(deps, companyId, startedAt, options, counts);
    } catch (thrown) {
      if (!(thrown instanceof WhopReadError)) throw thrown;
      error = thrown.message;
      failed.push({ companyId, message: error });
    }
    await saveReconciliationCursor(deps.db, companyId, { through: error === null ? startedAt : null, runId: run.id, error, at: deps.clock.now() });
    await addReconciliationProgress(deps.db, run.id, { companiesDone: 1, ...counts });
    for (const key of Object.keys(totals) as (keyof CompanyCounts)[]) totals[key] += counts[key];
  }
  const status = failed.length === 0 ? 'succeeded' : 'failed';
  const error = failed.length === 0 ? null : failed.map((f) => `${f.companyId}: ${f.message}`).join('; ').slice(0, 2000);
  await finishReconciliationRun(deps.db, run.id, { status, error, at: deps.clock.now() });
  deps.metrics?.reconciliationRuns.inc({ trigger: run.trigger, status });
  if (status === 'succeeded') deps.metrics?.reconciliationLastSuccess.set(deps.clock.now().getTime() / 1000);
  return failed.length === 0 ? { ok: true, companies: companies.length, totals } : { ok: false, reason: 'partial', companies: companies.length, failed, totals };
}

/** A Whop list read that failed after its retries: the company's cursor stays where it was. */
class WhopReadError extends Error {}

async function reconcileCompany(deps: ReconcileDeps, companyId: string, now: Date, options: ReconcileOptions, counts: CompanyCounts): Promise<void> {
  const since = await readSince(deps.db, companyId, now, options);
  const maxPages = options.maxPages ?? 50;
  const feed = async (event: SynthesizedEvent | null) => {
    if (!event) return;
    const mapped = mapWebhookToFact(event.body, null);
    // A fact we can state here (nested records) is checked first; one that needs references looked up
    // (bare ids at newer versions) goes to the intake, whose processing resolves them like a delivery's.
    if (mapped.ok && mapped.fact.companyId !== companyId) return;
    if (mapped.ok && (await isFactKnown(deps.db, mapped.fact))) {
      counts.eventsKnown += 1;
      deps.metrics?.reconciliationEvents.inc({ type: event.type, outcome: 'known' });
      return;
    }
    const stored = await deps.ingest({ webhookId: event.webhookId, apiVersion: 'v1', rawBody: event.rawBody, body: event.body });
    const outcome = stored.ok && stored.outcome === 'accepted' ? 'stored' : 'known';
    if (outcome === 'stored') counts.eventsStored += 1;
    else counts.eventsKnown += 1;
    deps.metrics?.reconciliationEvents.inc({ type: event.type, outcome });
  };

  // Payments: failed attempts and collected payments changed since `since` (one status per read: newer pins filter by one).
  for (const status of ['open', 'paid']) {
    await eachPage(deps, maxPages, (after) => deps.reader.listPayments({ companyId, status, updatedAfter: since, after }), async (payments) => {
      counts.paymentsRead += payments.length;
      for (const payment of payments) await feed(eventForPayment(payment, companyId, now));
      return true;
    });
  }
  // Inactive memberships, newest cancellation first: stop at the first page that reaches before `since`.
  for (const status of INACTIVE_MEMBERSHIP_STATUSES) {
    await eachPage(deps, maxPages, (after) => deps.reader.listMemberships({ companyId, status, order: 'canceled_at', after }), async (memberships) => {
      let reachedOlder = false;
      for (const membership of memberships) {
        const changedAt = Date.parse(String(membership.canceled_at ?? membership.updated_at ?? ''));
        if (!(changedAt >= since.getTime())) {
          reachedOlder = reachedOlder || Number.isFinite(changedAt);
          continue;
        }
        counts.membershipsRead += 1;
        await feed(eventForMembership(membership, companyId, now));
      }
      return !reachedOlder;
    });
  }
  // Re-activations: only where we hold an open case for a membership we believe inactive (a list
  // of every active member would be the whole customer base).
  for (const membershipId of await listDeactivatedOpenCaseMemberships(deps.db, companyId)) {
    const read = await withRetries(deps, () => deps.reader.getMembership(membershipId), { missingIsNull: true });
    if (read === null) continue;
    counts.membershipsRead += 1;
    const event = eventForMembership(read, companyId, now);
    if (event?.type === 'membership.activated') await feed(event);
  }
}

async function readSince(db: AppDb, companyId: string, now: Date, options: ReconcileOptions): Promise<Date> {
  const floor = now.getTime() - options.lookbackMs;
  const cursor = await findReconciledThrough(db, companyId);
  const lastDelivery = await findLastDeliveryAt(db, companyId);
  const from = Math.min(cursor?.getTime() ?? floor, lastDelivery?.getTime() ?? Number.POSITIVE_INFINITY) - options.overlapMs;
  return new Date(Math.max(floor, from));
}

/** Follows `page_info.end_cursor` until the last page, `maxPages`, or `handle` says stop. */
async function eachPage(
  deps: ReconcileDeps,
  maxPages: number,
  read: (after: string | null) => Promise<WhopResult<WhopObjectPage>>,
  handle: (data: WhopObjectPage['data']) => Promise<boolean>,
): Promise<void> {
  let after: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const result = await withRetries(deps, () => read(after));
    const more = await handle(result.data);
    if (!more || result.nextCursor === null) return;
    after = result.nextCursor;
  }
}

/** Retries a read Whop or the shared budget deferred (429, 5xx, network), after its Retry-After; throws WhopReadError after 5 tries. */
async function withRetries<T>(deps: ReconcileDeps, read: () => Promise<WhopResult<T>>): Promise<T>;
async function withRetries<T>(deps: ReconcileDeps, read: () => Promise<WhopResult<T>>, options: { missingIsNull: true }): Promise<T | null>;
async function withRetries<T>(deps: ReconcileDeps, read: () => Promise<WhopResult<T>>, options?: { missingIsNull: true }): Promise<T | null> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    const result = await read();
    if (result.ok) return result.value;
    // A membership deleted on Whop since: nothing to reconcile for it.
    if (options?.missingIsNull && result.status === 404) return null;
    if (!result.retryable || attempt >= 5) throw new WhopReadError(result.message);
    await sleep(Math.min(30_000, result.retryAfterMs ?? 1000 * 2 ** attempt));
  }
}
