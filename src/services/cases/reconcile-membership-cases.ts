import { deriveCases } from '../../domain/case-lifecycle.ts';
import type { DerivedCase, RiskLevel } from '../../domain/recovery-case.ts';
import type { AppTx } from '../../db/client.ts';
import { findOrCreateCurrentSettings, findSettingsVersion, type SettingsVersion } from '../../db/repositories/companies.repository.ts';
import { nextCaseStep } from '../../domain/next-case-step.ts';
import { assignHoldout } from './assign-holdout.ts';
import { assignTestVariant } from './assign-test-variant.ts';
import { hasCancellationFacts } from '../../domain/save-case.ts';
import { reconcileSaveCases } from '../saves/reconcile-save-cases.ts';
import { creditRecoveredCase } from './credit-recovered-case.ts';
import { listMembershipFacts } from '../../db/repositories/membership-facts.repository.ts';
import { matchStoredCases, type UnmatchedCase } from '../../domain/match-stored-cases.ts';
import { appendCaseEvent, hasCaseEvent, type CaseEventRow } from '../../db/repositories/nudges.repository.ts';
import {
  closeSupersededCase,
  deleteCases,
  findCaseHistory,
  moveCaseHistory,
  insertCase,
  lockMembershipCases,
  replaceLifecycleEvents,
  updateCase,
  type StoredCase,
} from '../../db/repositories/recovery-cases.repository.ts';

export interface ReconcileResult {
  /** Cases that did not exist before, with their risk level (for recovery_cases_created_total). */
  created: { id: string; riskLevel: RiskLevel }[];
  caseIds: string[];
}

/**
 * Re-derives one membership's cases from all its facts and stores the result. Called only by
 * record-membership-fact.ts, inside a transaction that holds the membership's lock
 * (lockMembership), so concurrent workers never derive from different fact sets at once.
 * Idempotent: running it again with the same facts changes nothing but updated_at.
 */
export async function reconcileMembershipCases(
  tx: AppTx,
  companyId: string,
  whopMembershipId: string,
  now: Date,
  // The webhook batch path reads every company's settings once.
  current?: SettingsVersion,
): Promise<ReconcileResult> {
  const settings = current ?? (await findOrCreateCurrentSettings(tx, companyId));
  const stored = await lockMembershipCases(tx, companyId, whopMembershipId);
  const facts = await listMembershipFacts(tx, companyId, whopMembershipId);
  const knownWindowDays = new Map(stored.map((c) => [c.firstFailureAt.getTime(), c.attributionWindowDays]));
  const derived = deriveCases(facts, { attributionWindowDays: settings.attributionWindowDays, knownWindowDays }, now);

  const { matches, unmatched } = matchStoredCases(derived, stored);
  await settleUnmatchedCases(tx, unmatched, now);

  const result: ReconcileResult = { created: [], caseIds: [] };
  // Chronological order: earlier cases are never open, so the unique open index holds throughout.
  const settingsByVersion = new Map<number, SettingsVersion>([[settings.version, settings]]);
  for (const d of derived) {
    const existing = matches.get(d);
    const version = existing?.settingsVersion ?? settings.version;
    if (!settingsByVersion.has(version)) settingsByVersion.set(version, await findSettingsVersion(tx, companyId, version));
    // Issue #12: a held-out (control group) case is never scheduled for a nudge.
    const holdout = existing ? existing.holdout : await assignHoldout(tx, { companyId, whopUserId: d.whopUserId, whopMembershipId, holdoutPercent: settings.nudge.holdout_percent });
    const nextNudge = holdout ? null : scheduleOf(d, existing, settingsByVersion.get(version)!, now);
    let id: string;
    if (existing) {
      id = existing.id;
      await updateCase(tx, id, d, now, nextNudge);
    } else {
      const variant = assignTestVariant(settings.nudge, { ...d, whopMembershipId, holdout });
      id = await insertCase(tx, d, settings.version, now, nextNudge, holdout, variant);
      result.created.push({ id, riskLevel: d.riskLevel });
      if (holdout) await appendCaseEvent(tx, holdoutAssignedEvent(companyId, id, d, settings));
    }
    // A case inserted just now has no lifecycle rows to replace.
    await replaceLifecycleEvents(tx, id, d, { fresh: !existing });
    // Issue #12: what the recovery is credited to (only a recovered case, or one that was, is touched).
    if (d.status === 'recovered' || existing?.creditedMethod) await creditRecoveredCase(tx, id, d);
    result.caseIds.push(id);
  }
  // Issue #15 §2: save cases come from the same facts; memberships that never scheduled a cancel pay nothing.
  if (hasCancellationFacts(facts)) await reconcileSaveCases(tx, { companyId, whopMembershipId, facts, settings, now });
  return result;
}

/** The timeline row of a case opened in the control group (issue #12 §3): nothing is sent, and why. */
export function holdoutAssignedEvent(companyId: string, caseId: string, d: DerivedCase, settings: SettingsVersion): CaseEventRow {
  return { companyId, caseId, status: d.status, reason: 'holdout_assigned', actor: 'system', source: 'outreach', detail: { holdout_percent: settings.nudge.holdout_percent }, at: d.firstFailureAt };
}

/**
 * When the case's next nudge is due, from the settings version it opened with and the steps it has
 * had. A case that is not open gets none; a reopened case resumes where it stopped.
 */
export function scheduleOf(d: DerivedCase, existing: StoredCase | undefined, settings: SettingsVersion, now: Date): Date | null {
  // #15: one planner for open, re-derive and send (reminder days, or the category's playbook).
  return nextCaseStep({ ...d, stepsSent: existing?.stepsSent ?? 0, lastNudgeAt: existing?.lastNudgeAt ?? null }, settings.nudge, now)?.at ?? null;
}

/**
 * What becomes of stored cases the fold no longer derives. Without outreach history they are
 * deleted (their lifecycle rows are re-derived elsewhere). With history (deliveries, incentives,
 * outreach or action timeline rows) they are never deleted with it: a case merged into one that
 * continues its window hands its history to that case, so the creator sees one case with every
 * nudge the member got; a case nothing continues (or whose incentive type the continuing case
 * already granted: one incentive of a type per case) is kept, closed without recovery, with a
 * timeline row saying why. Runs before the derived cases are written: this frees the one open
 * case slot and the (membership, first failure) key the continuing case may take.
 */
async function settleUnmatchedCases(tx: AppTx, unmatched: UnmatchedCase<StoredCase>[], now: Date): Promise<void> {
  const history = await findCaseHistory(tx, unmatched.map((u) => u.stored.id));
  await deleteCases(tx, unmatched.filter((u) => !history.has(u.stored.id)).map((u) => u.stored.id));
  for (const { stored: from, continuedBy: to } of unmatched) {
    const own = history.get(from.id);
    if (!own) continue;
    const taken = to ? (history.get(to.id)?.incentiveTypes ?? (await findCaseHistory(tx, [to.id])).get(to.id)?.incentiveTypes ?? []) : [];
    if (to && !own.incentiveTypes.some((t) => taken.includes(t))) {
      const carried = await moveCaseHistory(tx, from, to);
      to.stepsSent = carried.stepsSent;
      to.lastNudgeAt = carried.lastNudgeAt;
      history.set(to.id, { incentiveTypes: [...taken, ...own.incentiveTypes] });
      await appendCaseEvent(tx, { companyId: to.companyId, caseId: to.id, status: to.status, reason: 'case_merged', actor: 'system', source: 'action', detail: { merged_from_case: from.id, nudges_moved: from.stepsSent }, at: now });
      continue;
    }
    if (from.status === 'closed_no_recovery' && from.nextNudgeAt === null && (await hasCaseEvent(tx, from.id, 'case_superseded'))) continue;
    await closeSupersededCase(tx, from.id, now);
    await appendCaseEvent(tx, {
      companyId: from.companyId,
      caseId: from.id,
      status: 'closed_no_recovery',
      reason: 'case_superseded',
      actor: 'system',
      source: 'action',
      detail: to ? { continued_by_case: to.id, why: 'merged into a later case; kept for its incentive' } : { why: 'the payment facts no longer make this a case' },
      at: now,
    });
  }
}
