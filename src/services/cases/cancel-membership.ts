import type { AppDb } from '../../db/client.ts';
import { appendCaseEvent } from '../../db/repositories/nudges.repository.ts';
import type { WhopGateway } from '../../integrations/whop/whop-gateway.ts';
import { cancelCase } from './cancel-case.ts';
import type { Clock } from '../../integrations/clock.ts';
import { findActionableCase, type ActionRefusal } from './find-actionable-case.ts';

export type CancelMembershipResult =
  | { ok: true; caseId: string; mode: 'at_period_end' | 'immediate' }
  | ActionRefusal
  | { ok: false; reason: 'whop_not_configured' | 'whop_failed'; message: string };

/**
 * Cancels the member's Whop membership, at the end of the period (`at_period_end`) or at once
 * (`immediate`, the dashboard's "terminate"), then closes the case: nudging a member whose
 * membership the creator ended would be incoherent. Whop first: if it refuses, nothing changes here.
 */
export async function cancelMembership(
  deps: { db: AppDb; clock: Clock; whop: WhopGateway | null },
  input: { companyId: string; caseId: string; mode: 'at_period_end' | 'immediate'; actor: string },
): Promise<CancelMembershipResult> {
  const found = await findActionableCase(deps.db, input.companyId, input.caseId);
  if (!found.ok) return found;
  if (!deps.whop) return { ok: false, reason: 'whop_not_configured', message: 'WHOP_API_KEY is not set; the membership cannot be changed from here' };
  const cancelled = await deps.whop.cancelMembership(found.case.whopMembershipId, input.mode);
  const now = deps.clock.now();
  if (!cancelled.ok) {
    await appendCaseEvent(deps.db, { companyId: input.companyId, caseId: input.caseId, status: 'open', reason: 'membership_cancel_failed', actor: input.actor, source: 'action', detail: { mode: input.mode, error: cancelled.message }, at: now });
    return { ok: false, reason: 'whop_failed', message: cancelled.message };
  }
  await appendCaseEvent(deps.db, { companyId: input.companyId, caseId: input.caseId, status: 'open', reason: input.mode === 'immediate' ? 'membership_terminated' : 'membership_cancel_at_period_end', actor: input.actor, source: 'action', detail: { mode: input.mode }, at: now });
  const closed = await cancelCase(deps, { companyId: input.companyId, caseId: input.caseId, actor: input.actor, why: `membership cancelled (${input.mode})` });
  if (!closed.ok) return closed;
  return { ok: true, caseId: input.caseId, mode: input.mode };
}
