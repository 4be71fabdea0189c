import { z } from 'zod';
import type { FactKind, MembershipFact } from '../../../domain/membership-fact.ts';
import { companyIdOf, idRef, isoTimestamp, memberOf, normalizeCurrency, pickOccurredAt, userRef } from './fields.ts';
import { mapFailure, type MapResult, type ResolvedReferences } from './map-result.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/** The part of Whop's `Membership` object (reference §1.3) that membership.* events need. */
export const membershipData = z.looseObject({
  id: z.string().min(1),
  company: idRef.nullish(),
  /** From 2026-08-14 some records name their company `account`. */
  account: idRef.nullish(),
  user: userRef.nullish(),
  currency: z.string().nullish(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});

export type MembershipData = z.infer<typeof membershipData>;

/**
 * The fact a membership.* event states. A membership event carries no payment and no amount.
 * occurredAt prefers `updated_at` (the status change) over the envelope's send time, and uses
 * `created_at` (when the member first joined) only as a last resort.
 */
export function toMembershipFact(
  envelope: WebhookEnvelope,
  membership: MembershipData,
  fact: Pick<MembershipFact, 'reason' | 'cancellation'> & {
    kind: Extract<FactKind, 'membership_activated' | 'membership_deactivated' | 'cancellation_scheduled' | 'cancellation_unscheduled'>;
  },
  webhookEventId: number | null,
  references: ResolvedReferences,
): MapResult {
  const companyId = companyIdOf(envelope, membership.company, membership.account);
  if (!companyId) return mapFailure('no_company', `${envelope.type} ${membership.id}: none of data.company, data.account, company_id or account_id is set`);
  const occurredAt = pickOccurredAt([
    ['data.updated_at', membership.updated_at],
    ['timestamp', envelope.timestamp],
    ['data.created_at', membership.created_at],
  ]);
  if (!occurredAt.ok) return occurredAt;

  const member = memberOf(membership.user, membership.id, references);
  const membershipFact: MembershipFact = {
    kind: fact.kind,
    companyId,
    whopMembershipId: membership.id,
    whopUserId: member.whopUserId,
    memberEmail: member.memberEmail,
    whopPaymentId: null,
    amountCents: null,
    currency: normalizeCurrency(membership.currency),
    reason: fact.reason,
    occurredAt: occurredAt.value,
    webhookEventId,
    ...(fact.cancellation ? { cancellation: fact.cancellation } : {}),
    ...(member.emailWithheld ? { withheld: ['email'] as const } : {}),
  };
  return { ok: true, fact: membershipFact };
}
