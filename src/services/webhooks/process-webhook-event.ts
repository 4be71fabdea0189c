import type { AppDb } from '../../db/client.ts';
import { ensureCompany } from '../../db/repositories/companies.repository.ts';
import { findWebhookEventBody, lockWebhookEvent, markWebhookEvent } from '../../db/repositories/webhook-events.repository.ts';
import type { RiskLevel } from '../../domain/recovery-case.ts';
import { hasNul, MAX_ID_LENGTH } from '../../domain/storable-text.ts';
import { validateFact } from '../../domain/validate-fact.ts';
import { isLegacyV5, mapWebhookToFact, NO_REFERENCES, type ResolvedReferences } from '../../integrations/whop/events/index.ts';
import type { MembershipFact } from '../../domain/membership-fact.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Clock } from '../../integrations/clock.ts';
import { recordMembershipFact } from '../cases/record-membership-fact.ts';
import { isSynthesizedWebhookId } from '../../integrations/whop/synthesized-events.ts';
import type { ResolveWebhookReferences } from './resolve-webhook-references.ts';

export type ProcessResult =
  | { ok: true; outcome: 'processed'; type: string; createdCases: { id: string; riskLevel: RiskLevel }[]; caseIds: string[] }
  | { ok: true; outcome: 'ignored'; type: string; reason: string }
  | { ok: true; outcome: 'already_done'; type: string }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'invalid_payload'; type: string; message: string };

/**
 * Turns one stored webhook event into a membership fact and re-derives that membership's cases,
 * all in one transaction with the event row locked. Safe to run twice: a processed row is skipped,
 * and facts are unique. A payload we cannot read is marked failed (permanent, visible), not retried.
 * Ids the body gives bare are looked up in Whop first (`resolveReferences`), outside the transaction
 * so no row stays locked during a Whop call; a retryable Whop failure throws, and the job retries.
 */
export async function processWebhookEvent(
  deps: { db: AppDb; clock: Clock; metrics?: Metrics; resolveReferences?: ResolveWebhookReferences },
  eventId: number,
): Promise<ProcessResult> {
  const references = await referencesFor(deps, eventId);
  return deps.db.transaction(async (tx) => {
    const event = await lockWebhookEvent(tx, eventId);
    if (!event) return { ok: false, reason: 'not_found' } as const;
    const now = deps.clock.now();
    const decision = decideWebhookEvent(event, references, now);
    if (decision.kind === 'done') return decision.result;
    if (decision.kind === 'mark') {
      await markWebhookEvent(tx, eventId, { status: decision.status, error: decision.error, at: now });
      return decision.result;
    }
    const { fact } = decision;
    await ensureCompany(tx, fact.companyId, decision.companyTitle);
    const reconciled = await recordMembershipFact(tx, fact, { now, metrics: deps.metrics, synthesized: decision.synthesized });
    await markWebhookEvent(tx, eventId, { status: 'processed', error: null, companyId: fact.companyId, at: now });
    return { ok: true, outcome: 'processed', type: event.type, createdCases: reconciled.created, caseIds: reconciled.caseIds } as const;
  });
}

/** What one locked event row comes to: nothing (done before), a status to mark, or a fact to apply. */
export type EventDecision =
  | { kind: 'done'; result: ProcessResult }
  | { kind: 'mark'; status: 'ignored' | 'failed'; error: string | null; result: ProcessResult }
  | { kind: 'fact'; fact: MembershipFact; companyTitle: string | null; synthesized: boolean };

/**
 * The per-event rules, shared by the one-event and the batch path (process-webhook-batch.ts):
 * a processed row is skipped, a payload we cannot read is failed (permanent, visible), an
 * unhandled type ignored, and every mapped fact passes the one domain check.
 */
export function decideWebhookEvent(
  event: { id: number; status: string; type: string; rawBody: string | null; receivedAt: Date; webhookId: string },
  references: ResolvedReferences,
  now: Date,
): EventDecision {
  if (event.status === 'processed' || event.status === 'ignored') return { kind: 'done', result: { ok: true, outcome: 'already_done', type: event.type } };
  const fail = (message: string): EventDecision => ({ kind: 'mark', status: 'failed', error: message, result: { ok: false, reason: 'invalid_payload', type: event.type, message } });
  // Erased on the member's request before it was processed: nothing left to apply.
  if (event.rawBody === null) return { kind: 'mark', status: 'ignored', error: 'body erased', result: { ok: true, outcome: 'ignored', type: event.type, reason: 'body erased' } };
  let body: unknown;
  try {
    body = JSON.parse(event.rawBody);
  } catch {
    return fail('raw body is not JSON');
  }
  // Legacy v5 membership bodies carry no event time; when we received it is the closest we have.
  if (isLegacyV5(body) && (body as { timestamp?: unknown }).timestamp === undefined)
    (body as { timestamp?: string }).timestamp = event.receivedAt.toISOString();
  const mapped = mapWebhookToFact(body, event.id, references);
  if (!mapped.ok) {
    if (mapped.reason === 'unhandled_type')
      return { kind: 'mark', status: 'ignored', error: null, result: { ok: true, outcome: 'ignored', type: event.type, reason: mapped.detail } };
    return fail(`${mapped.reason}: ${mapped.detail}`);
  }
  // Every mapper's output passes the one domain check (storable, and something Whop can send).
  const verdict = validateFact(mapped.fact, now);
  if (!verdict.ok) return fail(`invalid_fact: ${verdict.problem}`);
  return { kind: 'fact', fact: mapped.fact, companyTitle: companyTitleOf(body), synthesized: isSynthesizedWebhookId(event.webhookId) };
}

async function referencesFor(deps: { db: AppDb; resolveReferences?: ResolveWebhookReferences }, eventId: number): Promise<ResolvedReferences> {
  if (!deps.resolveReferences) return NO_REFERENCES;
  return resolveReferencesOf(deps.resolveReferences, await findWebhookEventBody(deps.db, eventId));
}

/** Looks up what a stored body gives bare; a retryable Whop failure throws (the event is retried). */
export async function resolveReferencesOf(resolveReferences: ResolveWebhookReferences, rawBody: string | null): Promise<ResolvedReferences> {
  if (rawBody === null) return NO_REFERENCES;
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return NO_REFERENCES;
  }
  const resolved = await resolveReferences(body);
  if (!resolved.ok) throw new Error(resolved.message);
  return resolved.references;
}

function companyTitleOf(body: unknown): string | null {
  const title = (body as { data?: { company?: { title?: unknown } } })?.data?.company?.title;
  // A title we cannot store is one we do without (the dashboard shows the id).
  return typeof title === 'string' && !hasNul(title) && title.length <= MAX_ID_LENGTH ? title : null;
}
