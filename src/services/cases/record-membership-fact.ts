import type { AppTx } from '../../db/client.ts';
import type { SettingsVersion } from '../../db/repositories/companies.repository.ts';
import { insertMembershipFacts } from '../../db/repositories/membership-facts.repository.ts';
import { lockMembership, lockMemberships } from '../../db/repositories/recovery-cases.repository.ts';
import type { MembershipFact } from '../../domain/membership-fact.ts';
import { timeQuery, type Metrics } from '../../observability/metrics.ts';
import { reconcileMembershipCases, type ReconcileResult } from './reconcile-membership-cases.ts';
import { reconcileMembershipBatch } from './reconcile-membership-batch.ts';
import { recordPromoRedemption } from './record-promo-redemption.ts';
import { isStatusFact, storeMembershipFact } from './store-membership-fact.ts';

export type { ReconcileResult };

export interface RecordedFact {
  fact: MembershipFact;
  /** Read back from Whop by reconciliation, not delivered (a delivery of the same status change wins). */
  synthesized?: boolean;
}

interface RecordOptions {
  now: Date;
  metrics?: Metrics;
}

/**
 * The one writer of derived case state. Everything we learn about a membership (a webhook, a
 * manual cancel, a payment retry, an accepted save offer) is a fact: it is stored once, then the
 * membership's recovery and save cases are re-derived from all its facts, under the membership's
 * lock, in the caller's transaction. A payment that used one of our promo codes redeems it after
 * the fold, so its timeline row carries the status the payment left the case in.
 */
export async function recordMembershipFact(tx: AppTx, fact: MembershipFact, options: RecordOptions & { synthesized?: boolean }): Promise<ReconcileResult> {
  await lockMembership(tx, fact.companyId, fact.whopMembershipId);
  await storeMembershipFact(tx, fact, { synthesized: options.synthesized ?? false });
  const reconciled = await rederive(tx, fact.companyId, fact.whopMembershipId, options);
  await recordPromoRedemption(tx, fact, options.now);
  return reconciled;
}

/**
 * recordMembershipFact for many facts (the webhook batch path), in a fixed number of statements plus
 * one re-derivation per membership: every membership's lock first (one sorted order), then
 * `afterLock` (the batch creates its companies and reads their current settings in one statement
 * each, under the locks), the facts in the order given, then every membership re-derived once, set
 * by set (reconcile-membership-batch.ts: one statement per step for all of them in the usual case).
 * Returns each membership's result, keyed by `membershipKey`.
 */
export async function recordMembershipFacts(
  tx: AppTx,
  recorded: readonly RecordedFact[],
  options: RecordOptions & { afterLock?: () => Promise<ReadonlyMap<string, SettingsVersion>> },
): Promise<Map<string, ReconcileResult>> {
  const results = new Map<string, ReconcileResult>();
  if (recorded.length === 0) return results;
  await lockMemberships(tx, recorded.map((r) => r.fact));
  const settings = await options.afterLock?.();
  await storeFacts(tx, recorded);
  const memberships = new Map<string, MembershipFact>();
  for (const { fact } of recorded) if (!memberships.has(membershipKey(fact))) memberships.set(membershipKey(fact), fact);
  const sorted = [...memberships.keys()].sort().map((key) => memberships.get(key)!);
  const derived = await timeQuery(options.metrics, 'reconcile', 'recovery_cases', () => reconcileMembershipBatch(tx, sorted, membershipKey, { now: options.now, settings }));
  for (const [key, result] of derived) results.set(key, result);
  for (const { fact } of recorded) await recordPromoRedemption(tx, fact, options.now);
  return results;
}

/** Re-derives a membership's cases with no new fact (an attribution window or a save's hold ended). */
export async function rederiveMembership(tx: AppTx, companyId: string, whopMembershipId: string, now: Date): Promise<ReconcileResult> {
  await lockMembership(tx, companyId, whopMembershipId);
  return rederive(tx, companyId, whopMembershipId, { now });
}

/** Which membership a fact belongs to: the key recordMembershipFacts' results use. */
export function membershipKey(m: { companyId: string; whopMembershipId: string }): string {
  return `${m.companyId}:${m.whopMembershipId}`;
}

function rederive(tx: AppTx, companyId: string, whopMembershipId: string, options: RecordOptions & { settings?: SettingsVersion }): Promise<ReconcileResult> {
  return timeQuery(options.metrics, 'reconcile', 'recovery_cases', () => reconcileMembershipCases(tx, companyId, whopMembershipId, options.now, options.settings));
}

/**
 * Stores the facts in the order given: runs of plain facts in one insert each; a status fact alone,
 * after the facts before it, since whether it is new depends on its membership's stored ones.
 */
async function storeFacts(tx: AppTx, recorded: readonly RecordedFact[]): Promise<void> {
  let run: MembershipFact[] = [];
  for (const { fact, synthesized } of recorded) {
    if (!isStatusFact(fact)) {
      run.push(fact);
      continue;
    }
    await insertMembershipFacts(tx, run);
    run = [];
    await storeMembershipFact(tx, fact, { synthesized: synthesized ?? false });
  }
  await insertMembershipFacts(tx, run);
}
