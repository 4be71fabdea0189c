import { sql } from 'drizzle-orm';
import { deriveCases } from '../domain/case-lifecycle.ts';
import type { DerivedCase, RiskLevel } from '../domain/recovery-case.ts';
import type { AppTx } from '../db/client.ts';
import { findOrCreateCurrentSettings, findSettingsVersion, type CurrentSettings } from '../db/repositories/companies.repository.ts';
import { nextNudgeAt } from '../domain/nudge-schedule.ts';
import { appendCaseEvent } from '../db/repositories/outreach.repository.ts';
import { assignHoldout } from './assign-holdout.ts';
import { creditRecoveredCase } from './credit-recovery.ts';
import { listMembershipFacts } from '../db/repositories/membership-facts.repository.ts';
import {
  deleteCases,
  insertCase,
  lockMembershipCases,
  replaceLifecycleEvents,
  updateCase,
  type StoredCase,
} from '../db/repositories/recovery-cases.repository.ts';

export interface ReconcileResult {
  /** Cases that did not exist before, with their risk level (for recovery_cases_created_total). */
  created: { id: string; riskLevel: RiskLevel }[];
  caseIds: string[];
}

/**
 * Re-derives one membership's cases from all its facts and stores the result.
 * Must run inside a transaction; a transaction-scoped advisory lock on (company, membership)
 * serialises concurrent workers so they never derive from different fact sets at once.
 * Idempotent: running it again with the same facts changes nothing but updated_at.
 */
export async function reconcileMembershipCases(tx: AppTx, companyId: string, whopMembershipId: string, now: Date): Promise<ReconcileResult> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${companyId}:${whopMembershipId}`}, 0))`);
  const settings = await findOrCreateCurrentSettings(tx, companyId);
  const stored = await lockMembershipCases(tx, companyId, whopMembershipId);
  const facts = await listMembershipFacts(tx, companyId, whopMembershipId);
  const knownWindowDays = new Map(stored.map((c) => [c.firstFailureAt.getTime(), c.attributionWindowDays]));
  const derived = deriveCases(facts, { attributionWindowDays: settings.attributionWindowDays, knownWindowDays }, now);

  const matches = matchStoredCases(derived, stored);
  const matchedIds = new Set([...matches.values()].map((c) => c.id));
  // Deleting unmatched rows first frees the one-open-case-per-membership slot.
  await deleteCases(tx, stored.filter((c) => !matchedIds.has(c.id)).map((c) => c.id));

  const result: ReconcileResult = { created: [], caseIds: [] };
  // Chronological order: earlier cases are never open, so the unique open index holds throughout.
  const settingsByVersion = new Map<number, CurrentSettings>([[settings.version, settings]]);
  for (const d of derived) {
    const existing = matches.get(d);
    const version = existing?.settingsVersion ?? settings.version;
    if (!settingsByVersion.has(version)) settingsByVersion.set(version, await findSettingsVersion(tx, companyId, version));
    // Issue #12: a held-out (control group) case is never scheduled for a nudge.
    const holdout = existing ? existing.holdout : await assignHoldout(tx, { companyId, whopUserId: d.whopUserId, whopMembershipId, holdoutPercent: settings.outreach.holdout_percent });
    const nextNudge = holdout ? null : scheduleOf(d, existing, settingsByVersion.get(version)!, now);
    let id: string;
    if (existing) {
      id = existing.id;
      await updateCase(tx, id, d, now, nextNudge);
    } else {
      id = await insertCase(tx, d, settings.version, now, nextNudge, holdout);
      result.created.push({ id, riskLevel: d.riskLevel });
      if (holdout) await appendCaseEvent(tx, { companyId, caseId: id, status: d.status, reason: 'holdout_assigned', actor: 'system', source: 'outreach', detail: { holdout_percent: settings.outreach.holdout_percent }, at: d.firstFailureAt });
    }
    await replaceLifecycleEvents(tx, id, d);
    // Issue #12: what the recovery is credited to (only a recovered case, or one that was, is touched).
    if (d.status === 'recovered' || existing?.creditedMethod) await creditRecoveredCase(tx, id, d);
    result.caseIds.push(id);
  }
  return result;
}

/**
 * When the case's next nudge is due, from the settings version it opened with and the steps it has
 * had. A case that is not open gets none; a reopened case resumes where it stopped.
 */
function scheduleOf(d: DerivedCase, existing: StoredCase | undefined, settings: CurrentSettings, now: Date): Date | null {
  return nextNudgeAt(
    {
      offsetsDays: settings.outreach.reminder_offsets_days,
      firstFailureAt: d.firstFailureAt,
      stepsSent: existing?.stepsSent ?? 0,
      lastNudgeAt: existing?.lastNudgeAt ?? null,
      minGapHours: settings.outreach.min_gap_hours,
      quietHours: settings.outreach.quiet_hours,
      status: d.status,
      attributionEndsAt: d.attributionEndsAt,
    },
    now,
  );
}

/**
 * Pairs each derived case with the stored case it continues: the first unpaired stored case whose
 * window overlaps. A late, earlier failure moves a case's start without making it a new case.
 */
function matchStoredCases(derived: DerivedCase[], stored: StoredCase[]): Map<DerivedCase, StoredCase> {
  const matches = new Map<DerivedCase, StoredCase>();
  const free = new Set(stored);
  for (const d of derived) {
    for (const s of free) {
      const overlaps =
        s.firstFailureAt.getTime() <= d.attributionEndsAt.getTime() && d.firstFailureAt.getTime() <= s.attributionEndsAt.getTime();
      if (overlaps) {
        matches.set(d, s);
        free.delete(s);
        break;
      }
    }
  }
  return matches;
}
