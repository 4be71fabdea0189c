import { z } from 'zod';
import type { MembershipFact } from '../../../domain/membership-fact.ts';
import {
  amountInMinorUnits,
  decimalAmount,
  firstCompanyId,
  idRef,
  memberOf,
  refId,
  isoTimestamp,
  normalizeCurrency,
  pickOccurredAt,
  userRef,
} from './fields.ts';
import { mapFailure, type MapResult, type ResolvedReferences } from './map-result.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/** The payment summary nested in refunds and disputes: which payment, of which membership. */
export const reversedPayment = z.looseObject({
  id: z.string().min(1),
  company: idRef.nullish(),
  membership: idRef.nullish(),
  user: userRef.nullish(),
  currency: z.string().nullish(),
});

/** What refunds and disputes have in common: an amount taken back from one payment. */
export const paymentReversalData = z.looseObject({
  id: z.string().min(1),
  /** Amount reversed, in major units; may be less than the payment (partial refund). */
  amount: decimalAmount,
  currency: z.string().nullish(),
  created_at: isoTimestamp,
  company: idRef.nullish(),
  account: idRef.nullish(),
  /** Nested, or a bare `pay_…` id at newer versions (then looked up in Whop: see references.ts). */
  payment: z.union([z.string().min(1), reversedPayment]).nullish(),
});

export type PaymentReversalData = z.infer<typeof paymentReversalData>;

/**
 * The `payment_reversed` fact of a refund or dispute. `reason` is 'refund' or 'dispute'.
 * `amountCents` is the amount reversed (positive), in the reversal's currency, falling back to
 * the payment's currency since both are the same charge.
 */
export function toPaymentReversalFact(
  envelope: WebhookEnvelope,
  reversal: PaymentReversalData,
  reason: 'refund' | 'dispute',
  webhookEventId: number | null,
  references: ResolvedReferences,
): MapResult {
  if (!reversal.payment) return mapFailure('no_membership', `${envelope.type} ${reversal.id}: data.payment is null`);
  const payment = typeof reversal.payment === 'string' ? lookedUpPayment(reversal.payment, references) : reversal.payment;
  if (!payment) return mapFailure('unresolved_reference', `${envelope.type} ${reversal.id}: data.payment is the bare id ${reversal.payment} and Whop could not be asked which membership it belongs to`);
  // A refund's own company is its payment's; a dispute carries `company` itself. Either can be absent.
  const own = refId(reversal.company) ?? refId(reversal.account);
  const ofPayment = refId(payment.company);
  const companyId =
    reason === 'refund'
      ? firstCompanyId(ofPayment, own, envelope.company_id, envelope.account_id)
      : firstCompanyId(own, ofPayment, envelope.company_id, envelope.account_id);
  if (!companyId) return mapFailure('no_company', `${envelope.type} ${reversal.id}: no data.payment.company, data.company, company_id or account_id`);
  const whopMembershipId = refId(payment.membership);
  if (!whopMembershipId) return mapFailure('no_membership', `${envelope.type} ${reversal.id}: data.payment.membership is null`);
  const member = memberOf(payment.user, whopMembershipId, references);

  const currency = normalizeCurrency(reversal.currency) ?? normalizeCurrency(payment.currency);
  const amount = amountInMinorUnits('data.amount', reversal.amount, currency);
  if (!amount.ok) return amount;
  const occurredAt = pickOccurredAt([
    ['data.created_at', reversal.created_at],
    ['timestamp', envelope.timestamp],
  ]);
  if (!occurredAt.ok) return occurredAt;

  const fact: MembershipFact = {
    kind: 'payment_reversed',
    companyId,
    whopMembershipId,
    whopUserId: member.whopUserId,
    memberEmail: member.memberEmail,
    whopPaymentId: payment.id,
    amountCents: amount.value,
    currency,
    reason,
    occurredAt: occurredAt.value,
    webhookEventId,
  };
  return { ok: true, fact };
}

/** What a nested payment summary would have said, from the payment looked up in Whop. */
function lookedUpPayment(paymentId: string, references: ResolvedReferences): z.infer<typeof reversedPayment> | null {
  const found = references.payments.get(paymentId);
  if (!found) return null;
  const ref = (id: string | null) => (id ? { id } : null);
  return { id: paymentId, company: ref(found.companyId), membership: ref(found.membershipId), user: ref(found.userId), currency: null };
}
