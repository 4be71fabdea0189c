import { appendCaseEvent } from '../../db/repositories/nudges.repository.ts';
import type { AppDb } from '../../db/client.ts';
import type { Clock } from '../../integrations/clock.ts';
import { findActionableCase, type ActionRefusal } from './find-actionable-case.ts';
import { recordMembershipFact } from './record-membership-fact.ts';
import { ownFact } from '../../domain/membership-fact.ts';

export type CancelCaseResult = { ok: true; caseId: string } | ActionRefusal;

/**
 * Closes an open case by hand: no more nudges. Stored as a `case_cancelled` fact so the fold stays
 * the one source of case state (a later payment failure opens a new case as usual), and written
 * to the timeline with who did it.
 */
export async function cancelCase(deps: { db: AppDb; clock: Clock }, input: { companyId: string; caseId: string; actor: string; why?: string }): Promise<CancelCaseResult> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const found = await findActionableCase(tx, input.companyId, input.caseId);
    if (!found.ok) return found;
    const c = found.case;
    const fact = ownFact(c, { kind: 'case_cancelled', reason: input.why ?? null, occurredAt: now });
    await recordMembershipFact(tx, fact, { now });
    await appendCaseEvent(tx, { companyId: c.companyId, caseId: c.id, status: 'closed_no_recovery', reason: 'case_cancelled', actor: input.actor, source: 'action', detail: input.why ? { why: input.why } : {}, at: now });
    return { ok: true, caseId: c.id };
  });
}
