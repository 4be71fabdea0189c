import { randomUUID } from 'node:crypto';
import type { AppTx } from '../../db/client.ts';
import { findOrCreateCurrentSettings, findSettingsVersion, type SettingsVersion } from '../../db/repositories/companies.repository.ts';
import { listFactsOfMemberships } from '../../db/repositories/membership-facts.repository.ts';
import { appendCaseEvents, type CaseEventRow } from '../../db/repositories/nudges.repository.ts';
import { insertCases, lockCasesOfMemberships, replaceLifecycleEventsOf, updateCase, type NewCase, type StoredCase } from '../../db/repositories/recovery-cases.repository.ts';
import { deriveCases } from '../../domain/case-lifecycle.ts';
import { matchStoredCases } from '../../domain/match-stored-cases.ts';
import type { DerivedCase } from '../../domain/recovery-case.ts';
import type { MembershipFact } from '../../domain/membership-fact.ts';
import { hasCancellationFacts } from '../../domain/save-case.ts';
import { HoldoutBook } from './assign-holdout.ts';
import { assignTestVariant } from './assign-test-variant.ts';
import { holdoutAssignedEvent, reconcileMembershipCases, scheduleOf, type ReconcileResult } from './reconcile-membership-cases.ts';

type Membership = { companyId: string; whopMembershipId: string };

interface Plan {
  key: string;
  membership: Membership;
  settings: SettingsVersion;
  derived: DerivedCase[];
  matches: Map<DerivedCase, StoredCase>;
  /** Needs what only reconcileMembershipCases does: settling unmatched cases, save cases, recovery credit. */
  alone: boolean;
}

/**
 * reconcileMembershipCases for many memberships (the webhook batch path), with the same results, in
 * a fixed number of statements for the usual case: every membership's cases locked in one SELECT,
 * their facts read in one, the earlier-case holdout read in one, new cases inserted in one, their
 * timelines in one or two; a matched case is updated by a statement of its own. A membership that
 * needs more (stored cases the fold no longer derives, cancellation facts, a recovered or credited
 * case) is re-derived on its own by reconcileMembershipCases, in order, after the writes planned
 * before it, so everything it reads is as the one-by-one path leaves it.
 * The caller holds every membership's lock (lockMemberships); `memberships` are in its sorted order.
 */
export async function reconcileMembershipBatch(
  tx: AppTx,
  memberships: readonly Membership[],
  keyOf: (m: Membership) => string,
  options: { now: Date; settings?: ReadonlyMap<string, SettingsVersion> },
): Promise<Map<string, ReconcileResult>> {
  const { now } = options;
  const results = new Map<string, ReconcileResult>();
  const stored = await lockCasesOfMemberships(tx, memberships);
  const facts = await listFactsOfMemberships(tx, memberships);
  const storedOf = new Map<string, StoredCase[]>();
  for (const c of stored) {
    const key = keyOf(c);
    (storedOf.get(key) ?? storedOf.set(key, []).get(key)!).push(c);
  }
  const settingsOf = new Map(options.settings);
  const plans: Plan[] = [];
  for (const membership of memberships) {
    const key = keyOf(membership);
    let settings = settingsOf.get(membership.companyId);
    if (!settings) settingsOf.set(membership.companyId, (settings = await findOrCreateCurrentSettings(tx, membership.companyId)));
    plans.push(planOf(key, membership, settings, storedOf.get(key) ?? [], facts.get(key) ?? [], now));
  }
  for (let i = 0; i < plans.length; ) {
    const plan = plans[i]!;
    if (plan.alone) {
      results.set(plan.key, await reconcileMembershipCases(tx, plan.membership.companyId, plan.membership.whopMembershipId, now, plan.settings));
      i++;
      continue;
    }
    let end = i;
    while (end < plans.length && !plans[end]!.alone) end++;
    for (const [key, result] of await applyPlans(tx, plans.slice(i, end), now)) results.set(key, result);
    i = end;
  }
  return results;
}

function planOf(key: string, membership: Membership, settings: SettingsVersion, stored: StoredCase[], facts: MembershipFact[], now: Date): Plan {
  const knownWindowDays = new Map(stored.map((c) => [c.firstFailureAt.getTime(), c.attributionWindowDays]));
  const derived = deriveCases(facts, { attributionWindowDays: settings.attributionWindowDays, knownWindowDays }, now);
  const { matches, unmatched } = matchStoredCases(derived, stored);
  const alone = unmatched.length > 0 || hasCancellationFacts(facts) || derived.some((d) => d.status === 'recovered' || matches.get(d)?.creditedMethod);
  return { key, membership, settings, derived, matches, alone };
}

/** The usual case for a run of memberships: what reconcileMembershipCases writes, in a few statements. */
async function applyPlans(tx: AppTx, plans: readonly Plan[], now: Date): Promise<Map<string, ReconcileResult>> {
  const opening = plans.flatMap((p) =>
    p.settings.nudge.holdout_percent === 0 ? [] : p.derived.filter((d) => !p.matches.has(d)).map((d) => ({ companyId: p.membership.companyId, whopUserId: d.whopUserId, whopMembershipId: p.membership.whopMembershipId })),
  );
  const holdouts = await HoldoutBook.prime(tx, opening);
  const results = new Map<string, ReconcileResult>();
  const inserted: NewCase[] = [];
  const timelines: { caseId: string; derived: DerivedCase; fresh: boolean }[] = [];
  const heldOut: CaseEventRow[] = [];
  for (const { key, membership, settings, derived, matches } of plans) {
    const { companyId, whopMembershipId } = membership;
    const result: ReconcileResult = { created: [], caseIds: [] };
    const settingsByVersion = new Map<number, SettingsVersion>([[settings.version, settings]]);
    for (const d of derived) {
      const existing = matches.get(d);
      const version = existing?.settingsVersion ?? settings.version;
      if (!settingsByVersion.has(version)) settingsByVersion.set(version, await findSettingsVersion(tx, companyId, version));
      const holdout = existing ? existing.holdout : holdouts.decide({ companyId, whopUserId: d.whopUserId, whopMembershipId, holdoutPercent: settings.nudge.holdout_percent });
      const nextNudge = holdout ? null : scheduleOf(d, existing, settingsByVersion.get(version)!, now);
      let id: string;
      if (existing) {
        id = existing.id;
        await updateCase(tx, id, d, now, nextNudge);
      } else {
        id = randomUUID();
        const variant = assignTestVariant(settings.nudge, { ...d, whopMembershipId, holdout });
        inserted.push({ id, derived: d, settingsVersion: settings.version, nextNudgeAt: nextNudge, holdout, variant });
        holdouts.record({ companyId, whopUserId: d.whopUserId, whopMembershipId, at: d.firstFailureAt, holdout });
        result.created.push({ id, riskLevel: d.riskLevel });
        if (holdout) heldOut.push(holdoutAssignedEvent(companyId, id, d, settings));
      }
      timelines.push({ caseId: id, derived: d, fresh: !existing });
      result.caseIds.push(id);
    }
    results.set(key, result);
  }
  await insertCases(tx, inserted, now);
  // As one by one: a held-out case's holdout row comes before its lifecycle rows.
  await appendCaseEvents(tx, heldOut);
  await replaceLifecycleEventsOf(tx, timelines);
  return results;
}
