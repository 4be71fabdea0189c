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
export async function listMemberNudgeTimes(q: Queryable, companyId: string, member: { whopUserId: string | null; whopMembershipId: string }, since: Date): Promise<Date[]> {
  const byMember = member.whopUserId === null ? sql`c.whop_membership_id = ${member.whopMembershipId}` : sql`(c.whop_user_id = ${member.whopUserId} OR c.whop_membership_id = ${member.whopMembershipId})`;
  const rows = await queryRows<{ at: string | Date }>(
    q,
    sql`SELECT e.at FROM case_events e JOIN recovery_cases c ON c.id = e.case_id
        WHERE c.company_id = ${companyId} AND e.company_id = ${companyId} AND e.reason = 'nudge_sent' AND e.at > ${since.toISOString()}::timestamptz AND ${byMember}
        ORDER BY e.at`,
  );
  return rows.map((r) => new Date(r.at));
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
  const rows = await queryRows<{ kind: string; cancelation_status: string | null }>(
    q,
    sql`SELECT kind, cancelation_status FROM membership_facts
        WHERE company_id = ${companyId} AND whop_membership_id = ${whopMembershipId}
          AND kind IN ('cancellation_scheduled', 'cancellation_unscheduled', 'membership_activated', 'membership_deactivated', 'payment_succeeded')
        ORDER BY occurred_at DESC, id DESC LIMIT 20`,
  );
  const cancellation = rows.find((r) => r.kind === 'cancellation_scheduled' || r.kind === 'cancellation_unscheduled');
  if (cancellation?.cancelation_status === 'left') return true;
  if (!options.deactivationEnds) return false;
  const access = rows.find((r) => r.kind === 'membership_activated' || r.kind === 'membership_deactivated' || r.kind === 'payment_succeeded');
  return access?.kind === 'membership_deactivated';
}

/** The detail of the case's latest `nudge_held` row, to write a hold once, not at every sweep; null when none. */
export async function findLatestHold(q: Queryable, caseId: string): Promise<Record<string, unknown> | null> {
  const [row] = await queryRows<{ detail: Record<string, unknown> | null }>(q, sql`SELECT detail FROM case_events WHERE case_id = ${caseId}::uuid AND reason = 'nudge_held' ORDER BY id DESC LIMIT 1`);
  return row?.detail ?? null;
}
