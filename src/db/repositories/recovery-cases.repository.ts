import { and, asc, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import { declineVariantOf } from '../../domain/decline-variant.ts';
import type { DerivedCase } from '../../domain/recovery-case.ts';
import type { Queryable } from '../client.ts';
import { emailLookupHash } from '../encrypted-text.ts';
import { caseEvents } from '../schema/case-events.ts';
import { deliveries } from '../schema/deliveries.ts';
import { incentives } from '../schema/incentives.ts';
import { recoveryCases } from '../schema/recovery-cases.ts';

export type StoredCase = typeof recoveryCases.$inferSelect;

/** The key of a membership's transaction advisory lock: every writer of its facts and cases takes it. */
const membershipLockKey = (m: { companyId: string; whopMembershipId: string }) => `${m.companyId}:${m.whopMembershipId}`;

/**
 * Serialises the writers of one membership's facts and derived cases until the transaction ends,
 * so concurrent workers never derive from different fact sets at once.
 */
export async function lockMembership(q: Queryable, companyId: string, whopMembershipId: string): Promise<void> {
  await q.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${membershipLockKey({ companyId, whopMembershipId })}, 0))`);
}

/**
 * lockMembership for many memberships in one statement, in one sorted order, so two transactions
 * that lock overlapping sets never wait on each other in a cycle.
 */
export async function lockMemberships(q: Queryable, memberships: readonly { companyId: string; whopMembershipId: string }[]): Promise<void> {
  const keys = [...new Set(memberships.map(membershipLockKey))].sort();
  if (keys.length === 0) return;
  await q.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(${sql.param(keys)}::text[]) AS k`);
}

/** Locks the membership's cases for the reconcile transaction. */
export async function lockMembershipCases(q: Queryable, companyId: string, whopMembershipId: string): Promise<StoredCase[]> {
  return q
    .select()
    .from(recoveryCases)
    .where(and(eq(recoveryCases.companyId, companyId), eq(recoveryCases.whopMembershipId, whopMembershipId)))
    .orderBy(asc(recoveryCases.firstFailureAt))
    .for('update');
}

/** The rows of many memberships (one SELECT, row-value IN over two arrays); keys are `company:membership`. */
export function membershipsIn(companyColumn: unknown, membershipColumn: unknown, memberships: readonly { companyId: string; whopMembershipId: string }[]) {
  return sql`(${companyColumn}, ${membershipColumn}) IN (SELECT * FROM unnest(${sql.param(memberships.map((m) => m.companyId))}::text[], ${sql.param(memberships.map((m) => m.whopMembershipId))}::text[]))`;
}

/** lockMembershipCases for many memberships in one statement (the webhook batch path), oldest first. */
export async function lockCasesOfMemberships(q: Queryable, memberships: readonly { companyId: string; whopMembershipId: string }[]): Promise<StoredCase[]> {
  if (memberships.length === 0) return [];
  return q
    .select()
    .from(recoveryCases)
    .where(membershipsIn(recoveryCases.companyId, recoveryCases.whopMembershipId, memberships))
    .orderBy(asc(recoveryCases.firstFailureAt), asc(recoveryCases.id))
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

/**
 * `holdout`: the case is in the control group (assign-holdout.ts), decided once, when it opens;
 * `variant`: its variant test and variant (assign-test-variant.ts), likewise.
 */
export async function insertCase(
  q: Queryable,
  d: DerivedCase,
  settingsVersion: number,
  now: Date,
  nextNudgeAt: Date | null,
  holdout = false,
  variant: { variantTestVersion: number; testVariant: 'a' | 'b' } | null = null,
): Promise<string> {
  const rows = await q
    .insert(recoveryCases)
    .values({ companyId: d.companyId, whopMembershipId: d.whopMembershipId, settingsVersion, createdAt: now, nextNudgeAt, holdout, ...(variant ?? {}), ...columnsOf(d, now) })
    .returning({ id: recoveryCases.id });
  return rows[0]!.id;
}

/** A case to insert with its id chosen here, so a batch knows every new case's id before the one insert. */
export interface NewCase {
  id: string;
  derived: DerivedCase;
  settingsVersion: number;
  nextNudgeAt: Date | null;
  holdout: boolean;
  variant: { variantTestVersion: number; testVariant: 'a' | 'b' } | null;
}

/** insertCase for many cases in one statement (the webhook batch path). */
export async function insertCases(q: Queryable, cases: readonly NewCase[], now: Date): Promise<void> {
  if (cases.length === 0) return;
  await q.insert(recoveryCases).values(
    cases.map((c) => ({
      id: c.id, companyId: c.derived.companyId, whopMembershipId: c.derived.whopMembershipId, settingsVersion: c.settingsVersion, createdAt: now,
      nextNudgeAt: c.nextNudgeAt, holdout: c.holdout, ...(c.variant ?? {}), ...columnsOf(c.derived, now),
    })),
  );
}

/** `nextNudgeAt` null stops outreach (the case is no longer open, or every step went out). */
export async function updateCase(q: Queryable, id: string, d: DerivedCase, now: Date, nextNudgeAt: Date | null): Promise<void> {
  await q.update(recoveryCases).set({ ...columnsOf(d, now), nextNudgeAt }).where(eq(recoveryCases.id, id));
}

/**
 * Deletes cases with their lifecycle rows (ON DELETE CASCADE). Only for cases without outreach
 * history: callers check with `findCaseHistory` first, since a delete would take deliveries,
 * incentives and outreach/action timeline rows with it.
 */
export async function deleteCases(q: Queryable, ids: string[]): Promise<void> {
  if (ids.length > 0) await q.delete(recoveryCases).where(inArray(recoveryCases.id, ids));
}

/** What a creator sees of a case beyond its derived lifecycle: per case id with any, its incentive types. */
export async function findCaseHistory(q: Queryable, ids: string[]): Promise<Map<string, { incentiveTypes: string[] }>> {
  const history = new Map<string, { incentiveTypes: string[] }>();
  if (ids.length === 0) return history;
  const entry = (id: string) => history.get(id) ?? history.set(id, { incentiveTypes: [] }).get(id)!;
  for (const r of await q.selectDistinct({ id: deliveries.caseId }).from(deliveries).where(inArray(deliveries.caseId, ids))) entry(r.id);
  const events = await q.selectDistinct({ id: caseEvents.caseId }).from(caseEvents).where(and(inArray(caseEvents.caseId, ids), ne(caseEvents.source, 'lifecycle')));
  for (const r of events) entry(r.id);
  for (const r of await q.select({ id: incentives.caseId, type: incentives.type }).from(incentives).where(inArray(incentives.caseId, ids))) if (r.id) entry(r.id).incentiveTypes.push(r.type);
  return history;
}

/**
 * Moves a merged case's outreach history onto the case that continues its window, then deletes
 * the emptied row: deliveries (their steps numbered after the target's, so none collides),
 * incentives, outreach and action timeline rows. The target counts the steps the member already
 * got and keeps the later last nudge, so no reminder is repeated and the minimum gap holds.
 */
export async function moveCaseHistory(q: Queryable, from: StoredCase, to: StoredCase): Promise<{ stepsSent: number; lastNudgeAt: Date | null }> {
  const [max] = await q.select({ step: sql<number | null>`max(${deliveries.step})` }).from(deliveries).where(eq(deliveries.caseId, to.id));
  const offset = Math.max(to.stepsSent, max?.step === null || max?.step === undefined ? 0 : Number(max.step) + 1);
  await q.update(deliveries).set({ caseId: to.id, step: sql`${deliveries.step} + ${offset}` }).where(eq(deliveries.caseId, from.id));
  await q.update(incentives).set({ caseId: to.id }).where(eq(incentives.caseId, from.id));
  await q.update(caseEvents).set({ caseId: to.id }).where(and(eq(caseEvents.caseId, from.id), ne(caseEvents.source, 'lifecycle')));
  const stepsSent = to.stepsSent + from.stepsSent;
  const lastNudgeAt = latest(to.lastNudgeAt, from.lastNudgeAt);
  await q.delete(recoveryCases).where(eq(recoveryCases.id, from.id));
  await q.update(recoveryCases).set({ stepsSent, lastNudgeAt }).where(eq(recoveryCases.id, to.id));
  return { stepsSent, lastNudgeAt };
}

/** A case the facts no longer make, kept for its history: closed without recovery, nudges stopped. */
export async function closeSupersededCase(q: Queryable, id: string, now: Date): Promise<void> {
  await q
    .update(recoveryCases)
    .set({ status: 'closed_no_recovery', closedAt: sql`coalesce(${recoveryCases.closedAt}, ${now.toISOString()}::timestamptz)`, recoveredCents: 0, recoveredAt: null, nextNudgeAt: null, updatedAt: now })
    .where(eq(recoveryCases.id, id));
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

/** Rewrites the lifecycle part of a case's timeline; outreach and action rows stay. */
export async function replaceLifecycleEvents(q: Queryable, caseId: string, d: DerivedCase, options: { fresh?: boolean } = {}): Promise<void> {
  if (!options.fresh) await q.delete(caseEvents).where(and(eq(caseEvents.caseId, caseId), eq(caseEvents.source, 'lifecycle')));
  if (d.transitions.length === 0) return;
  await q.insert(caseEvents).values(lifecycleRowsOf(caseId, d));
}

/** replaceLifecycleEvents for many cases (the webhook batch path): one delete of the stored ones, one insert. */
export async function replaceLifecycleEventsOf(q: Queryable, cases: readonly { caseId: string; derived: DerivedCase; fresh: boolean }[]): Promise<void> {
  const stale = cases.filter((c) => !c.fresh).map((c) => c.caseId);
  if (stale.length > 0) await q.delete(caseEvents).where(and(inArray(caseEvents.caseId, stale), eq(caseEvents.source, 'lifecycle')));
  const rows = cases.flatMap((c) => lifecycleRowsOf(c.caseId, c.derived));
  if (rows.length > 0) await q.insert(caseEvents).values(rows);
}

function lifecycleRowsOf(caseId: string, d: DerivedCase) {
  return d.transitions.map((t) => ({
    companyId: d.companyId,
    caseId,
    fromStatus: t.from,
    toStatus: t.to,
    reason: t.reason,
    webhookEventId: t.webhookEventId,
    actor: t.webhookEventId === null ? 'system' : 'whop',
    source: 'lifecycle' as const,
    at: t.at,
  }));
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
