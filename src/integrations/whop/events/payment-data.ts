import { z } from 'zod';
import type { FactKind, MembershipFact, PaymentSignals, WithheldField } from '../../../domain/membership-fact.ts';
import {
  amountInMinorUnits,
  companyIdOf,
  decimalAmount,
  idRef,
  isoTimestamp,
  memberOf,
  normalizeCurrency,
  pickOccurredAt,
  refId,
  userRef,
} from './fields.ts';
import { mapFailure, type MapResult, type ResolvedReferences } from './map-result.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/**
 * The part of Whop's `Payment` object (reference §1.3) that every payment.* event needs.
 * `membership` is null for one-time purchases, which have nothing to recover.
 */
export const paymentData = z.looseObject({
  id: z.string().min(1),
  company: idRef.nullish(),
  account: idRef.nullish(),
  user: userRef.nullish(),
  membership: idRef.nullish(),
  /** `{ id, phone }`; a null phone may be a missing member:phone:read permission (or no phone given). */
  member: z.union([z.string(), z.looseObject({ phone: z.string().nullish() })]).nullish(),
  customer_phone: z.string().nullish(),
  /** What the member is charged, in major units; `subtotal` is before tax and discounts. */
  total: decimalAmount,
  subtotal: decimalAmount,
  currency: z.string().nullish(),
  /** The promo code the payment used: `{ id, code, … }`, or a bare id at newer versions; null for none. */
  promo_code: idRef.nullish(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});

export type PaymentData = z.infer<typeof paymentData>;

/** The fact a payment.* event states; `occurredAt` lists its timestamp fields, most precise first. */
export function toPaymentFact(
  envelope: WebhookEnvelope,
  payment: PaymentData,
  fact: {
    kind: Extract<FactKind, 'payment_failed' | 'payment_succeeded' | 'payment_requires_action'>;
    reason: string | null;
    occurredAt: ReadonlyArray<readonly [field: string, value: string | null | undefined]>;
    signals?: PaymentSignals;
  },
  webhookEventId: number | null,
  references: ResolvedReferences,
): MapResult {
  const companyId = companyIdOf(envelope, payment.company, payment.account);
  if (!companyId) return mapFailure('no_company', `${envelope.type} ${payment.id}: none of data.company, data.account, company_id or account_id is set`);
  const whopMembershipId = refId(payment.membership);
  if (!whopMembershipId) return mapFailure('no_membership', `${envelope.type} ${payment.id}: data.membership is null`);

  const currency = normalizeCurrency(payment.currency);
  const hasTotal = payment.total !== null && payment.total !== undefined;
  const amount = amountInMinorUnits(hasTotal ? 'data.total' : 'data.subtotal', hasTotal ? payment.total : payment.subtotal, currency);
  if (!amount.ok) return amount;
  const occurredAt = pickOccurredAt(fact.occurredAt);
  if (!occurredAt.ok) return occurredAt;
  // Issue #15 §3: a succeeded payment that used a promo code is what redeems (and prices) it.
  const promoCodeId = fact.kind === 'payment_succeeded' ? refId(payment.promo_code) : null;
  const subtotal = promoCodeId ? amountInMinorUnits('data.subtotal', payment.subtotal, currency) : null;
  if (subtotal && !subtotal.ok) return subtotal;

  const member = memberOf(payment.user, whopMembershipId, references);
  const withheld: WithheldField[] = [];
  if (member.emailWithheld) withheld.push('email');
  if (isPhoneWithheld(payment)) withheld.push('phone');
  if (fact.kind === 'payment_requires_action' && fact.signals?.recoveryUrl === null) withheld.push('recovery_url');
  const membershipFact: MembershipFact = {
    kind: fact.kind,
    companyId,
    whopMembershipId,
    whopUserId: member.whopUserId,
    memberEmail: member.memberEmail,
    whopPaymentId: payment.id,
    amountCents: amount.value,
    currency,
    reason: fact.reason,
    occurredAt: occurredAt.value,
    webhookEventId,
    ...(fact.signals ? { signals: fact.signals } : {}),
    ...(promoCodeId ? { promo: { whopPromoCodeId: promoCodeId, subtotalCents: subtotal?.ok ? subtotal.value : null } } : {}),
    ...(withheld.length > 0 ? { withheld } : {}),
  };
  return { ok: true, fact: membershipFact };
}

/**
 * Whop sent `customer_phone: null` and no phone on the member: the phone permission may be off (or
 * the member gave none). Payloads without the field (older versions) say nothing either way.
 */
function isPhoneWithheld(payment: PaymentData): boolean {
  if (!('customer_phone' in payment) || payment.customer_phone !== null) return false;
  const member = payment.member;
  return !(typeof member === 'object' && member !== null && typeof member.phone === 'string' && member.phone !== '');
}
