import { readableEventDetail } from '../encrypted-text.ts';
import { sql } from 'drizzle-orm';
import type { Channel } from '../../domain/message-template.ts';
import { queryRows, type Queryable } from '../client.ts';

/**
 * What the contact policy (src/domain/contact-policy.ts) reads about a member's earlier contact.
 * Every query is scoped to one company: the cap is per creator, and one creator never learns of
 * another's messages.
 */

/**
 * When each nudge reached this member (any case of theirs, by Whop user, else by membership) after
 * `since`, oldest first. A nudge is a step sent (case_events `nudge_sent`), whatever its channels.
 */
export async function listMemberNudgeTimes(q: Queryable, companyId: string, member: { whopUserId: string | null; whopMembershipId: string }, since: Date, except?: { caseId: string; step: number }): Promise<Date[]> {
  // The step being decided is not its own contact (a retried delivery of a reserved step goes on).
  const notThis = except ? sql`AND NOT (e.case_id = ${except.caseId}::uuid AND e.detail ->> 'step' = ${String(except.step)})` : sql``;
  const byMember = member.whopUserId === null ? sql`c.whop_membership_id = ${member.whopMembershipId}` : sql`(c.whop_user_id = ${member.whopUserId} OR c.whop_membership_id = ${member.whopMembershipId})`;
  // A step counts once, from its reservation (nudge_reserved, written before the send) or its nudge_sent.
  const rows = await queryRows<{ at: string | Date }>(
    q,
    sql`SELECT min(e.at) AS at FROM case_events e JOIN recovery_cases c ON c.id = e.case_id
        WHERE c.company_id = ${companyId} AND e.company_id = ${companyId} AND e.reason IN ('nudge_sent', 'nudge_reserved') AND e.at > ${since.toISOString()}::timestamptz AND ${byMember} ${notThis}
        GROUP BY e.case_id, e.detail ->> 'step' ORDER BY 1`,
  );
  return rows.map((r) => new Date(r.at));
}

/**
 * Serialises cap decisions of one member (company, Whop user else membership) for the rest of the
 * transaction: two cases of one member sent by two workers at once never both pass a full cap.
 */
export async function lockMemberContact(tx: Queryable, companyId: string, member: { whopUserId: string | null; whopMembershipId: string }): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`contact:${companyId}:${member.whopUserId ?? member.whopMembershipId}`}, 0))`);
}

/**
 * Channels that already carried step `step` for this payment in another case of the company (a
 * case merged or superseded keeps its deliveries): the invoice's step is not sent again there.
 * `sending` and `unknown` count as carried: the member may have it.
 */
export async function listChannelsSentForInvoiceStep(q: Queryable, companyId: string, whopPaymentId: string | null, step: number, exceptCaseId: string): Promise<Channel[]> {
  if (whopPaymentId === null) return [];
  const rows = await queryRows<{ channel: Channel }>(
    q,
    sql`SELECT DISTINCT d.channel FROM deliveries d JOIN recovery_cases c ON c.id = d.case_id
        WHERE c.company_id = ${companyId} AND d.company_id = ${companyId} AND c.whop_payment_id = ${whopPaymentId} AND d.step = ${step}
          AND c.id <> ${exceptCaseId}::uuid AND d.status IN ('sent', 'sending', 'unknown')`,
  );
  return rows.map((r) => r.channel);
}

/**
 * Whether Whop says the member is gone: the latest cancellation fact says they left
 * (cancelation_status `left`), or, with `deactivationEnds`, the membership's latest activation
 * fact is a deactivation.
 */
export async function isMembershipEnded(q: Queryable, companyId: string, whopMembershipId: string, options: { deactivationEnds: boolean }): Promise<boolean> {
  const rows = await queryRows<MembershipEndFact>(
    q,
    sql`SELECT kind, cancelation_status FROM membership_facts
        WHERE company_id = ${companyId} AND whop_membership_id = ${whopMembershipId}
          AND kind IN (${sql.raw(END_FACT_KINDS)})
        ORDER BY occurred_at DESC, id DESC LIMIT 20`,
  );
  return isMembershipEndedBy(rows, options);
}

/** The facts isMembershipEnded reads (the membership's latest 20 of these kinds, newest first). */
export type MembershipEndFact = { kind: string; cancelation_status: string | null };
export const END_FACT_KINDS = `'cancellation_scheduled', 'cancellation_unscheduled', 'membership_activated', 'membership_deactivated', 'payment_succeeded'`;

/** isMembershipEnded over facts already read (newest first). */
export function isMembershipEndedBy(rows: readonly MembershipEndFact[], options: { deactivationEnds: boolean }): boolean {
  const cancellation = rows.find((r) => r.kind === 'cancellation_scheduled' || r.kind === 'cancellation_unscheduled');
  if (cancellation?.cancelation_status === 'left') return true;
  if (!options.deactivationEnds) return false;
  const access = rows.find((r) => r.kind === 'membership_activated' || r.kind === 'membership_deactivated' || r.kind === 'payment_succeeded');
  return access?.kind === 'membership_deactivated';
}

/** The detail of the case's latest `nudge_held` row, to write a hold once, not at every sweep; null when none. */
export async function findLatestHold(q: Queryable, caseId: string): Promise<Record<string, unknown> | null> {
  const [row] = await queryRows<{ detail: Record<string, unknown> | null }>(q, sql`SELECT detail FROM case_events WHERE case_id = ${caseId}::uuid AND reason = 'nudge_held' ORDER BY id DESC LIMIT 1`);
  return readableEventDetail(row?.detail ?? null);
}

/** Whether the case has a `reason` row for this step (detail.step). */
export async function hasCaseEventForStep(q: Queryable, caseId: string, reason: string, step: number): Promise<boolean> {
  const rows = await queryRows(q, sql`SELECT 1 FROM case_events WHERE case_id = ${caseId}::uuid AND reason = ${reason} AND detail ->> 'step' = ${String(step)} LIMIT 1`);
  return rows.length > 0;
}
