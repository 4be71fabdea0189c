import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { queryRows, type Queryable } from '../client.ts';
import { caseEvents } from '../schema/case-events.ts';
import { deliveries } from '../schema/deliveries.ts';
import { emailLookupHash, emailLookupHashes, storableEventDetail, userLookupHashes } from '../encrypted-text.ts';
import { memberOptOuts, type OptOutChannel } from '../schema/member-opt-outs.ts';
import { incentives, type IncentiveStatus } from '../schema/incentives.ts';
import { recoveryCases } from '../schema/recovery-cases.ts';
import type { StoredCase } from './recovery-cases.repository.ts';

export type Delivery = typeof deliveries.$inferSelect;
export type Incentive = typeof incentives.$inferSelect;

/** How long a worker owns a claimed case; a crashed worker's claim lapses after this. */
export const NUDGE_LEASE_MS = 2 * 60_000;

/**
 * Claims up to `limit` open cases whose next nudge is due, earliest first, for this worker only:
 * rows locked by another worker are skipped and claimed rows carry a lease, so any number of
 * workers send each step once. Earliest-due first keeps old cases from starving new ones, and a
 * case waiting on a retry has its next_nudge_at pushed out, so it never blocks the queue.
 */
export async function claimDueCases(q: Queryable, now: Date, limit: number, leaseMs = NUDGE_LEASE_MS): Promise<StoredCase[]> {
  const leaseEnds = new Date(now.getTime() + leaseMs);
  const due = q
    .select({ id: recoveryCases.id })
    .from(recoveryCases)
    .where(
      and(
        eq(recoveryCases.status, 'open'),
        lte(recoveryCases.nextNudgeAt, now),
        or(isNull(recoveryCases.nudgeClaimedUntil), lt(recoveryCases.nudgeClaimedUntil, now)),
      ),
    )
    .orderBy(asc(recoveryCases.nextNudgeAt))
    .limit(limit)
    .for('update', { skipLocked: true });
  return q.update(recoveryCases).set({ nudgeClaimedUntil: leaseEnds }).where(inArray(recoveryCases.id, due)).returning();
}

export type { StoredCase };

/** Claims one case for a manual nudge; false while a worker holds it. */
export async function claimCase(q: Queryable, caseId: string, now: Date, leaseMs = NUDGE_LEASE_MS): Promise<boolean> {
  const claimed = await queryRows(q, sql`
    UPDATE recovery_cases SET nudge_claimed_until = ${new Date(now.getTime() + leaseMs).toISOString()}::timestamptz
    WHERE id = ${caseId} AND (nudge_claimed_until IS NULL OR nudge_claimed_until < ${now.toISOString()}::timestamptz)
    RETURNING id`);
  return claimed.length > 0;
}

export async function findCase(q: Queryable, caseId: string) {
  const rows = await q.select().from(recoveryCases).where(eq(recoveryCases.id, caseId));
  return rows[0] ?? null;
}

export async function updateCaseNudge(
  q: Queryable,
  caseId: string,
  update: Partial<Pick<typeof recoveryCases.$inferInsert, 'nextNudgeAt' | 'stepsSent' | 'lastNudgeAt' | 'nudgeClaimedUntil' | 'memberName' | 'memberEmail' | 'whopProductId' | 'whopUserId' | 'manageUrl' | 'whopProductTitle'>>,
): Promise<void> {
  const hash = update.memberEmail !== undefined ? { memberEmailHash: emailLookupHash(update.memberEmail) } : {};
  await q.update(recoveryCases).set({ ...update, ...hash }).where(eq(recoveryCases.id, caseId));
}

/** Creates the case's incentive of a type once; later calls return the same row. */
export async function findOrCreateIncentive(
  q: Queryable,
  row: { companyId: string; caseId: string; type: 'free_days' | 'promo_code'; value: number; costCents: number; currency: string | null },
): Promise<Incentive> {
  await q.insert(incentives).values({ ...row, status: 'pending' }).onConflictDoNothing();
  const rows = await q.select().from(incentives).where(and(eq(incentives.caseId, row.caseId), eq(incentives.type, row.type)));
  return rows[0]!;
}

/**
 * Moves an incentive from one status to another only if it is still in `from`: the winner of a
 * race gets true. Writing `granting` before calling Whop is what makes a grant happen at most once.
 */
export async function transitionIncentive(
  q: Queryable,
  id: string,
  from: IncentiveStatus,
  to: IncentiveStatus,
  extra: { error?: string | null; providerRef?: string | null; grantedAt?: Date | null; periodEndBefore?: Date | null; now: Date },
): Promise<boolean> {
  const { now, ...rest } = extra;
  const rows = await q
    .update(incentives)
    .set({ status: to, ...rest, updatedAt: now })
    .where(and(eq(incentives.id, id), eq(incentives.status, from)))
    .returning({ id: incentives.id });
  return rows.length > 0;
}

/**
 * The channels the member opted out of for this company, in one query: email by address, push and
 * DM by Whop user id (an address never opts out of push or DM, nor a user id out of email).
 */
export async function optedOutChannels(q: Queryable, companyId: string, subject: { email?: string | null; whopUserId?: string | null }): Promise<Set<OptOutChannel>> {
  const emailHashes = subject.email ? emailLookupHashes(subject.email) : [];
  const userHashes = subject.whopUserId ? userLookupHashes(subject.whopUserId) : [];
  if (emailHashes.length + userHashes.length === 0) return new Set();
  const rows = await q
    .select({ channel: memberOptOuts.channel, subjectHash: memberOptOuts.subjectHash })
    .from(memberOptOuts)
    .where(and(eq(memberOptOuts.companyId, companyId), inArray(memberOptOuts.subjectHash, [...emailHashes, ...userHashes])));
  return optOutsAmong(rows, subject);
}

/** optedOutChannels over opt-out rows already read (any subject hashes of the company). */
export function optOutsAmong(rows: readonly { channel: OptOutChannel; subjectHash: string }[], subject: { email?: string | null; whopUserId?: string | null }): Set<OptOutChannel> {
  const emailHashes = subject.email ? emailLookupHashes(subject.email) : [];
  const userHashes = subject.whopUserId ? userLookupHashes(subject.whopUserId) : [];
  return new Set(rows.filter((r) => (r.channel === 'email' ? emailHashes : userHashes).includes(r.subjectHash)).map((r) => r.channel));
}

/** True when the member opted out of this channel for this company. */
export async function isOptedOut(q: Queryable, companyId: string, channel: OptOutChannel, subject: { email?: string | null; whopUserId?: string | null }): Promise<boolean> {
  return (await optedOutChannels(q, companyId, subject)).has(channel);
}

/** Records opt-outs; returns the channels that were newly opted out (the rest already were). */
export async function recordOptOuts(
  q: Queryable,
  companyId: string,
  subject: { email?: string | null; whopUserId?: string | null },
  channels: OptOutChannel[],
  why: { reason: string; source: string },
): Promise<OptOutChannel[]> {
  const rows = channels.flatMap((channel) => {
    const subjectHash = channel === 'email' ? emailLookupHash(subject.email) : subject.whopUserId ? userLookupHashes(subject.whopUserId)[0]! : null;
    return subjectHash ? [{ companyId, channel, subjectHash, ...why }] : [];
  });
  if (rows.length === 0) return [];
  const inserted = await q.insert(memberOptOuts).values(rows).onConflictDoNothing().returning({ channel: memberOptOuts.channel });
  return inserted.map((r) => r.channel);
}

/** An outreach or action row of the case timeline. */
export interface CaseEventRow {
  companyId: string;
  caseId: string;
  status: string;
  reason: string;
  actor: string;
  source: 'outreach' | 'action';
  detail?: Record<string, unknown>;
  at: Date;
}

/** Appends an outreach or action row to the case timeline. */
export async function appendCaseEvent(q: Queryable, row: CaseEventRow): Promise<void> {
  await q.insert(caseEvents).values(caseEventValuesOf(row));
}

/** appendCaseEvent for many rows in one statement (the webhook batch path). */
export async function appendCaseEvents(q: Queryable, rows: readonly CaseEventRow[]): Promise<void> {
  if (rows.length > 0) await q.insert(caseEvents).values(rows.map(caseEventValuesOf));
}

function caseEventValuesOf(row: CaseEventRow) {
  return {
    companyId: row.companyId,
    caseId: row.caseId,
    fromStatus: row.status,
    toStatus: row.status,
    reason: row.reason,
    actor: row.actor,
    source: row.source,
    detail: storableEventDetail(row.detail ?? null),
    at: row.at,
  };
}

export async function hasCaseEvent(q: Queryable, caseId: string, reason: string): Promise<boolean> {
  const rows = await q.select({ id: caseEvents.id }).from(caseEvents).where(and(eq(caseEvents.caseId, caseId), eq(caseEvents.reason, reason))).limit(1);
  return rows.length > 0;
}
