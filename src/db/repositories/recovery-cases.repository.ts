import { and, asc, eq, inArray, lt } from 'drizzle-orm';
import { declineVariantOf } from '../../domain/decline-variant.ts';
import type { DerivedCase } from '../../domain/recovery-case.ts';
import type { Queryable } from '../client.ts';
import { emailLookupHash } from '../encrypted-text.ts';
import { caseEvents } from '../schema/case-events.ts';
import { recoveryCases } from '../schema/recovery-cases.ts';

export type StoredCase = typeof recoveryCases.$inferSelect;

/** Locks the membership's cases for the reconcile transaction. */
export async function lockMembershipCases(q: Queryable, companyId: string, whopMembershipId: string): Promise<StoredCase[]> {
  return q
    .select()
    .from(recoveryCases)
    .where(and(eq(recoveryCases.companyId, companyId), eq(recoveryCases.whopMembershipId, whopMembershipId)))
    .orderBy(asc(recoveryCases.firstFailureAt))
    .for('update');
}

function columnsOf(d: DerivedCase, now: Date) {
  return {
    whopUserId: d.whopUserId,
    memberEmail: d.memberEmail,
    memberEmailHash: emailLookupHash(d.memberEmail),
    whopPaymentId: d.whopPaymentId,
    status: d.status,
    failureReason: d.failureReason,
    declineCategory: declineVariantOf(d.failureReason),
    failureCount: d.failureCount,
    amountAtRiskCents: d.amountAtRiskCents,
    recoveredCents: d.recoveredCents,
    currency: d.currency,
    riskLevel: d.riskLevel,
    firstFailureAt: d.firstFailureAt,
    lastFailureAt: d.lastFailureAt,
    recoveredAt: d.recoveredAt,
    closedAt: d.closedAt,
    attributionWindowDays: d.attributionWindowDays,
    attributionEndsAt: d.attributionEndsAt,
    declineCode: d.declineCode,
    nextPaymentAttemptAt: d.nextPaymentAttemptAt,
    cardExpMonth: d.cardExpMonth,
    cardExpYear: d.cardExpYear,
    paymentRetryable: d.paymentRetryable,
    needsAuthentication: d.needsAuthentication,
    recoveryUrl: d.recoveryUrl,
    updatedAt: now,
  };
}

/** `holdout`: the case is in the control group (assign-holdout.ts), decided once, when it opens. */
export async function insertCase(q: Queryable, d: DerivedCase, settingsVersion: number, now: Date, nextNudgeAt: Date | null, holdout = false): Promise<string> {
  const rows = await q
    .insert(recoveryCases)
    .values({ companyId: d.companyId, whopMembershipId: d.whopMembershipId, settingsVersion, createdAt: now, nextNudgeAt, holdout, ...columnsOf(d, now) })
    .returning({ id: recoveryCases.id });
  return rows[0]!.id;
}

/** `nextNudgeAt` null stops outreach (the case is no longer open, or every step went out). */
export async function updateCase(q: Queryable, id: string, d: DerivedCase, now: Date, nextNudgeAt: Date | null): Promise<void> {
  await q.update(recoveryCases).set({ ...columnsOf(d, now), nextNudgeAt }).where(eq(recoveryCases.id, id));
}

export async function deleteCases(q: Queryable, ids: string[]): Promise<void> {
  if (ids.length > 0) await q.delete(recoveryCases).where(inArray(recoveryCases.id, ids));
}

/** Rewrites the lifecycle part of a case's timeline; outreach and action rows stay. */
export async function replaceLifecycleEvents(q: Queryable, caseId: string, d: DerivedCase): Promise<void> {
  await q.delete(caseEvents).where(and(eq(caseEvents.caseId, caseId), eq(caseEvents.source, 'lifecycle')));
  if (d.transitions.length === 0) return;
  await q.insert(caseEvents).values(
    d.transitions.map((t) => ({
      companyId: d.companyId,
      caseId,
      fromStatus: t.from,
      toStatus: t.to,
      reason: t.reason,
      webhookEventId: t.webhookEventId,
      actor: t.webhookEventId === null ? 'system' : 'whop',
      source: 'lifecycle' as const,
      at: t.at,
    })),
  );
}

/** Open cases whose attribution window ended before `now`, oldest first. */
export async function listExpiredOpenCases(q: Queryable, now: Date, limit: number) {
  return q
    .select({ companyId: recoveryCases.companyId, whopMembershipId: recoveryCases.whopMembershipId })
    .from(recoveryCases)
    .where(and(eq(recoveryCases.status, 'open'), lt(recoveryCases.attributionEndsAt, now)))
    .orderBy(asc(recoveryCases.attributionEndsAt))
    .limit(limit);
}
