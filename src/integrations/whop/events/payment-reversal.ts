import { z } from 'zod';
import type { MembershipFact } from '../../../domain/membership-fact.ts';
import {
  amountInMinorUnits,
  decimalAmount,
  firstCompanyId,
  idRef,
  isoTimestamp,
  normalizeCurrency,
  pickOccurredAt,
  userRef,
} from './fields.ts';
import { mapFailure, type MapResult } from './map-result.ts';
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
  payment: reversedPayment.nullish(),
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
): MapResult {
  const payment = reversal.payment;
  // A refund's own company is its payment's; a dispute carries `company` itself. Either can be absent.
  const companyId =
    reason === 'refund'
      ? firstCompanyId(payment?.company?.id, reversal.company?.id, envelope.company_id)
      : firstCompanyId(reversal.company?.id, payment?.company?.id, envelope.company_id);
  if (!companyId) return mapFailure('no_company', `${envelope.type} ${reversal.id}: no data.payment.company.id, data.company.id or company_id`);
  if (!payment) return mapFailure('no_membership', `${envelope.type} ${reversal.id}: data.payment is null`);
  const whopMembershipId = payment.membership?.id;
  if (!whopMembershipId) return mapFailure('no_membership', `${envelope.type} ${reversal.id}: data.payment.membership is null`);

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
    whopUserId: payment.user?.id ?? null,
    memberEmail: payment.user?.email ?? null,
    whopPaymentId: payment.id,
    amountCents: amount.value,
    currency,
    reason,
    occurredAt: occurredAt.value,
    webhookEventId,
  };
  return { ok: true, fact };
}
