import { appendCaseEvent, claimCase } from '../../db/repositories/nudges.repository.ts';
import { minGapEndsAt } from '../../domain/nudge-schedule.ts';
import { findActionableCase, type ActionRefusal } from '../cases/find-actionable-case.ts';
import type { NudgeDeps } from './nudge-deps.ts';
import { sendNudge, type SendNudgeResult } from './send-nudge.ts';

export type NudgeNowResult =
  | { ok: true; result: SendNudgeResult }
  | ActionRefusal
  | { ok: false; reason: 'too_soon'; message: string; allowedAt: Date }
  | { ok: false; reason: 'in_progress'; message: string };

/**
 * "Nudge now": sends the case's next step immediately. Respects min_gap_hours unless `force`
 * (operators only; the HTTP layer decides who may force). Written to the timeline with the actor.
 */
export async function nudgeCaseNow(deps: NudgeDeps, input: { companyId: string; caseId: string; actor: string; force?: boolean }): Promise<NudgeNowResult> {
  const found = await findActionableCase(deps.db, input.companyId, input.caseId);
  if (!found.ok) return found;
  const c = found.case;
  const now = deps.clock.now();
  const settings = await deps.settings.settingsVersion(c.companyId, c.settingsVersion);
  const allowedAt = input.force ? null : minGapEndsAt(c.lastNudgeAt, settings.min_gap_hours);
  if (allowedAt && allowedAt.getTime() > now.getTime()) return { ok: false, reason: 'too_soon', message: `the last nudge went out less than ${settings.min_gap_hours} h ago`, allowedAt };
  // The same lease the sweeps take: a worker sending this case right now is never doubled.
  if (!(await claimCase(deps.db, c.id, now, deps.leaseMs))) return { ok: false, reason: 'in_progress', message: 'a nudge for this case is being sent right now; try again in a minute' };
  await appendCaseEvent(deps.db, { companyId: c.companyId, caseId: c.id, status: 'open', reason: 'nudge_requested', actor: input.actor, source: 'action', detail: { force: input.force === true }, at: now });
  return { ok: true, result: await sendNudge(deps, c.id, { force: true, actor: input.actor }) };
}
