import { z } from 'zod';
import type { FactKind, MembershipFact } from '../../../domain/membership-fact.ts';
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

/**
 * The part of Whop's `Payment` object (reference §1.3) that every payment.* event needs.
 * `membership` is null for one-time purchases, which have nothing to recover.
 */
export const paymentData = z.looseObject({
  id: z.string().min(1),
  company: idRef.nullish(),
  user: userRef.nullish(),
  membership: idRef.nullish(),
  /** What the member is charged, in major units; `subtotal` is before tax and discounts. */
  total: decimalAmount,
  subtotal: decimalAmount,
  currency: z.string().nullish(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});

export type PaymentData = z.infer<typeof paymentData>;

/** The fact a payment.* event states; `occurredAt` lists its timestamp fields, most precise first. */
export function toPaymentFact(
  envelope: WebhookEnvelope,
  payment: PaymentData,
  fact: {
    kind: Extract<FactKind, 'payment_failed' | 'payment_succeeded'>;
    reason: string | null;
    occurredAt: ReadonlyArray<readonly [field: string, value: string | null | undefined]>;
  },
  webhookEventId: number | null,
): MapResult {
  const companyId = firstCompanyId(payment.company?.id, envelope.company_id);
  if (!companyId) return mapFailure('no_company', `${envelope.type} ${payment.id}: neither data.company.id nor company_id is set`);
  const whopMembershipId = payment.membership?.id;
  if (!whopMembershipId) return mapFailure('no_membership', `${envelope.type} ${payment.id}: data.membership is null`);

  const currency = normalizeCurrency(payment.currency);
  const hasTotal = payment.total !== null && payment.total !== undefined;
  const amount = amountInMinorUnits(hasTotal ? 'data.total' : 'data.subtotal', hasTotal ? payment.total : payment.subtotal, currency);
  if (!amount.ok) return amount;
  const occurredAt = pickOccurredAt(fact.occurredAt);
  if (!occurredAt.ok) return occurredAt;

  const membershipFact: MembershipFact = {
    kind: fact.kind,
    companyId,
    whopMembershipId,
    whopUserId: payment.user?.id ?? null,
    memberEmail: payment.user?.email ?? null,
    whopPaymentId: payment.id,
    amountCents: amount.value,
    currency,
    reason: fact.reason,
    occurredAt: occurredAt.value,
    webhookEventId,
  };
  return { ok: true, fact: membershipFact };
}
